//! The command line in the user's language (zh-CN unless LANG / LC_MESSAGES / LC_ALL say `en`),
//! `serve` refusing bad flags before it creates anything, and log lines fit for a file or a
//! log collector (no colour codes off a terminal; `--log-format json`).

use super::{run, run_in, text};
use crate::support::{temp_dir, yanshi};
use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;

#[test]
fn serve_refuses_bad_flags_before_it_creates_a_database() {
    let dir = temp_dir("flags");
    let data = dir.join("data");
    for (args, expected) in [
        (&["serve", "--demo-time", "2026-12-01T17:50"][..], "they need --demo"),
        (&["serve", "--demo-speed", "10"], "they need --demo"),
        (&["serve", "--demo", "--demo-speed", "100"], "--demo-speed must be between 1 and 60"),
        (&["serve", "--listen", "127.0.0.1"], "--listen \"127.0.0.1\" has no port"),
        (&["serve", "--listen", "localhost:http"], "has no port"),
        (&["serve", "--demo", "--listen", "0.0.0.0:"], "has no port"),
        (&["serve", "--log-format", "xml"], "use text or json"),
        (
            &["serve", "--demo", "--public-url", "ftp://school"],
            "public_url \"ftp://school\" is not valid",
        ),
    ] {
        let o = run(&data, args, None);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", text(&o));
        assert!(text(&o).contains(expected), "{args:?}: {}", text(&o));
        assert!(!data.exists(), "{args:?}: nothing is created");
    }
    // A bad --demo-time: one message, naming the expected form, and no demo school built.
    let o = run(&data, &["serve", "--demo", "--demo-time", "tomorrow at five"], None);
    let said = text(&o);
    assert_eq!(o.status.code(), Some(1), "{said}");
    assert_eq!(said.trim().lines().count(), 1, "reported once: {said}");
    assert_eq!(said.matches("--demo-time").count(), 1, "{said}");
    assert!(said.contains("YYYY-MM-DDTHH:MM") && said.contains("2026-12-01T17:50"), "{said}");
    assert!(!data.exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn errors_are_in_chinese_by_default_and_in_english_with_lang_en() {
    let dir = temp_dir("lang");
    assert!(run(&dir, &["school", "create", "--name", "实验小学"], None).status.success());
    let zh = |args: &[&str], stdin: Option<&str>| text(&run_in(None, &dir, args, stdin));
    let zh_cn = |args: &[&str]| text(&run_in(Some("zh_CN.UTF-8"), &dir, args, None));
    let en = |args: &[&str], stdin: Option<&str>| text(&run_in(Some("en_US.UTF-8"), &dir, args, stdin));

    let disable = ["user", "disable", "--login", "nobody"];
    assert!(zh(&disable, None).contains("错误：没有账号 nobody"), "{}", zh(&disable, None));
    assert!(zh_cn(&disable).contains("没有账号 nobody"));
    assert!(
        en(&disable, None).contains("error: no such account: nobody"),
        "{}",
        en(&disable, None)
    );

    let create = [
        "user",
        "create",
        "--username",
        "wang",
        "--name",
        "王老师",
        "--role",
        "class_teacher",
        "--school",
        "实验小学",
    ];
    let weak = zh(&create, Some("12345678\n"));
    assert!(weak.contains("密码不可用") && weak.contains("err-password-common"), "{weak}");
    let weak = en(&create, Some("12345678\n"));
    assert!(weak.contains("password refused: This password is too common"), "{weak}");
    let mut no_school = create.to_vec();
    no_school[9] = "实验二小";
    assert!(zh(&no_school, Some("a long first password\n")).contains("没有名为 实验二小 的学校"));
    assert!(en(&no_school, Some("a long first password\n")).contains("no school named 实验二小"));
    let mut role = create.to_vec();
    role[7] = "principal";
    assert!(zh(&role, None).contains("未知角色 principal"));
    assert!(en(&role, None).contains("unknown role principal"));

    let restore = ["restore", "--from", "/nonexistent/backup.db", "--yes"];
    assert!(
        zh(&restore, None).contains("找不到文件 /nonexistent/backup.db，未做任何更改"),
        "{}",
        zh(&restore, None)
    );
    assert!(en(&restore, None).contains("file not found: /nonexistent/backup.db; nothing was changed"));

    let listen = ["serve", "--listen", "8080"];
    assert!(zh(&listen, None).contains("缺少端口"), "{}", zh(&listen, None));
    let demo = ["serve", "--demo", "--demo-time", "17:50"];
    assert!(zh(&demo, None).contains("格式不正确：应写成 YYYY-MM-DDTHH:MM（北京时间）"));
    let url = ["--database-url", "postgress://u:secret@h/db", "migrate"];
    assert!(zh(&url, None).contains("不支持的数据库地址") && !zh(&url, None).contains("secret"));
    let config = ["--config", "/nonexistent/yanshi.toml", "migrate"];
    assert!(zh(&config, None).contains("读不了配置文件 /nonexistent/yanshi.toml"));
    assert!(en(&config, None).contains("cannot read the config file /nonexistent/yanshi.toml"));

    // The usual precedence: LC_ALL over LC_MESSAGES over LANG.
    let over = |vars: &[(&str, &str)]| {
        let mut cmd = yanshi();
        cmd.env_remove("LC_ALL").env_remove("LC_MESSAGES").env_remove("LANG");
        cmd.envs(vars.iter().copied()).arg("--data-dir").arg(&dir).args(disable);
        let o = cmd.output().unwrap();
        String::from_utf8_lossy(&o.stderr).to_string()
    };
    assert!(over(&[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "en_US.UTF-8")]).contains("no such account"));
    assert!(over(&[("LANG", "en_US.UTF-8"), ("LC_ALL", "zh_CN.UTF-8")]).contains("没有账号"));
    assert!(over(&[("LANG", "zh_CN.UTF-8"), ("LC_MESSAGES", "en_GB.UTF-8")]).contains("no such account"));
    assert!(
        over(&[("LANG", "C.UTF-8")]).contains("没有账号"),
        "zh-CN unless English is asked for"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn log_lines_have_no_colour_codes_off_a_terminal_and_json_on_request() {
    let dir = temp_dir("logs");
    // Text: the migrations are logged, plainly, to a pipe.
    let o = run(&dir.join("a"), &["migrate"], None);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && stderr.contains("applied"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "no ANSI escape codes in a pipe: {stderr:?}");

    // JSON from the config file, for the commands without the flag …
    let config = dir.join("yanshi.toml");
    std::fs::write(&config, "log_format = \"json\"\n").unwrap();
    let o = run(&dir.join("b"), &["--config", config.to_str().unwrap(), "migrate"], None);
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "{stderr}");
    assert_json_lines(&stderr);

    // … and `serve --log-format json`.
    let mut child = yanshi()
        .env("LANG", "en_US.UTF-8")
        .args(["--data-dir", dir.join("c").to_str().unwrap()])
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.any(|l| l.unwrap().contains("http://")), "the server starts");
    let _ = child.kill();
    let _ = child.wait();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert_json_lines(&stderr);
    let _ = std::fs::remove_dir_all(dir);
}

fn assert_json_lines(stderr: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "something is logged");
    for line in lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(v["level"].is_string() && v["fields"].is_object(), "{line}");
    }
}
