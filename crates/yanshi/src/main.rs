//! `yanshi` — one binary: `serve`, `migrate`, `user`, `school`, `backup` / `restore`,
//! `audit verify`. `main` parses the command line and hands over to the library crates.

mod config;
mod demo;
mod say;
mod serve;

use anyhow::Context;
use clap::{Parser, Subcommand};
use config::FileConfig;
use say::{arg, refuse};
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;
use yanshi_domain::account::{DisplayName, Login, NewPassword, PhoneNumber, Username};
use yanshi_domain::clock::{Clock, SystemClock};
use yanshi_domain::role::Role;
use yanshi_store::{Actor, NewUser, Store};
use yanshi_web::{AppState, WebConfig};

#[derive(Parser)]
#[command(name = "yanshi", version, about = "课后延时服务 — after-school extended care for a primary school")]
struct Cli {
    /// A TOML config file (see yanshi.example.toml).
    #[arg(long, global = true, env = "YANSHI_CONFIG")]
    config: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER@HOST/DB. Default: a SQLite file in the data directory.
    #[arg(long, global = true, env = "YANSHI_DATABASE_URL")]
    database_url: Option<String>,
    /// Where the default SQLite database lives (created on first start).
    #[arg(long, global = true, env = "YANSHI_DATA_DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (and this instance's notification worker).
    Serve(ServeArgs),
    /// Apply the database migrations and exit.
    Migrate,
    /// Accounts from the command line.
    #[command(subcommand)]
    User(UserCommand),
    /// Schools of the deployment.
    #[command(subcommand)]
    School(SchoolCommand),
    /// SQLite: write a consistent copy of the live database (safe while serving).
    Backup {
        #[arg(long)]
        out: PathBuf,
    },
    /// SQLite: replace the database with a backup. Stop the server first.
    Restore {
        #[arg(long)]
        from: PathBuf,
        /// Confirms that the current database is to be replaced.
        #[arg(long)]
        yes: bool,
    },
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The current two-factor code of the demo admin accounts.
    DemoCode,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "YANSHI_LISTEN")]
    listen: Option<String>,
    /// Create (or reuse) the demo school and mark every page as demo.
    #[arg(long, env = "YANSHI_DEMO", num_args = 0..=1, default_missing_value = "true")]
    demo: Option<bool>,
    /// With --demo: how many demo schools the district has (for benchmarks and the district view).
    #[arg(long, env = "YANSHI_DEMO_SCHOOLS", default_value_t = 1)]
    demo_schools: usize,
    /// With --demo: start the school's clock at this Beijing time (e.g. 2026-12-01T17:50) to
    /// rehearse an afternoon. Sign-in keeps real time.
    #[arg(long, env = "YANSHI_DEMO_TIME")]
    demo_time: Option<String>,
    /// With --demo: run the school's clock this many times faster (1–60).
    #[arg(long, env = "YANSHI_DEMO_SPEED")]
    demo_speed: Option<u32>,
    /// Mark cookies Secure (yanshi is reached over HTTPS).
    #[arg(long, env = "YANSHI_COOKIE_SECURE", num_args = 0..=1, default_missing_value = "true")]
    cookie_secure: Option<bool>,
    /// Trust X-Forwarded-For / X-Forwarded-Proto from a reverse proxy.
    #[arg(long, env = "YANSHI_BEHIND_PROXY", num_args = 0..=1, default_missing_value = "true")]
    behind_proxy: Option<bool>,
    /// `text` (default) or `json` log lines.
    #[arg(long, env = "YANSHI_LOG_FORMAT")]
    log_format: Option<String>,
    /// The address people reach yanshi at (e.g. https://yanshi.example.edu.cn), for the links
    /// and QR codes printed on invitation slips and notices. Default: the listen address.
    #[arg(long, env = "YANSHI_PUBLIC_URL")]
    public_url: Option<String>,
    /// Require `Authorization: Bearer TOKEN` on /metrics.
    #[arg(long, env = "YANSHI_METRICS_TOKEN")]
    metrics_token: Option<String>,
    /// Send Strict-Transport-Security (yanshi is reached only over HTTPS).
    #[arg(long, env = "YANSHI_HSTS", num_args = 0..=1, default_missing_value = "true")]
    hsts: Option<bool>,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a staff account; the password is read from standard input.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// district_admin, school_admin, grade_director, class_teacher, teacher, volunteer
        #[arg(long)]
        role: String,
        /// The school's name or id (not for a district admin).
        #[arg(long)]
        school: Option<String>,
        #[arg(long)]
        phone: Option<String>,
    },
    /// Set a new password (read from standard input); ends all the account's sessions.
    ResetPassword {
        #[arg(long)]
        login: String,
    },
    /// Disable an account; its sessions and tokens end at once.
    Disable {
        #[arg(long)]
        login: String,
    },
    /// Enable a disabled account again; it signs in with its password.
    Enable {
        #[arg(long)]
        login: String,
    },
    /// Issue a guardian invitation code on behalf of a staff account.
    Invite {
        /// The staff account that issues the code.
        #[arg(long)]
        by: String,
        #[arg(long, default_value = "")]
        note: String,
    },
}

#[derive(Subcommand)]
enum SchoolCommand {
    Create {
        #[arg(long)]
        name: String,
    },
    List,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check every school's hash chain; exit 1 at the first broken link.
    Verify,
}

fn main() -> std::process::ExitCode {
    // A mistake in the command line or the config is a message, not a backtrace.
    match start() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", say::text("cli-error", &arg("message", format!("{e:#}"))));
            std::process::ExitCode::FAILURE
        }
    }
}

fn start() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let file = FileConfig::load(cli.config.as_deref())?;
    let log_format = match &cli.command {
        Command::Serve(a) => a.log_format.clone(),
        _ => None,
    }
    .or(file.log_format.clone())
    .unwrap_or_else(|| "text".into());
    if !matches!(log_format.as_str(), "text" | "json") {
        return Err(refuse("cli-log-format", arg("value", format!("{log_format:?}"))));
    }
    init_tracing(&log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(cli, file))
}

/// Log lines go to standard error: `text` (coloured only on a terminal) or `json` (one object
/// a line, for a deployment's log collector).
fn init_tracing(format: &str) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("YANSHI_LOG").unwrap_or_else(|_| "info,sqlx=warn".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn open(cli: &Cli, file: &FileConfig) -> anyhow::Result<(Store, String)> {
    let data_dir = cli
        .data_dir
        .clone()
        .or(file.data_dir.clone())
        .unwrap_or_else(|| PathBuf::from(config::DEFAULT_DATA_DIR));
    let url = config::database_url(cli.database_url.clone().or(file.database_url.clone()), &data_dir)?;
    let store = Store::connect(&url).await.map_err(say::store)?;
    store
        .migrate()
        .await
        .map_err(|e| refuse("cli-migrations-failed", arg("error", e)))?;
    Ok((store, url))
}

fn read_password() -> anyhow::Result<NewPassword> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| refuse("cli-password-unreadable", arg("error", e)))?;
    NewPassword::parse(line.trim_end_matches(['\r', '\n']))
        .map_err(|e| refuse("cli-password-refused", arg("reason", say::locale().t(e.key)).text("key", e.key)))
}

fn invalid(e: yanshi_domain::Invalid) -> anyhow::Error {
    say::invalid(e)
}

async fn find_school(store: &Store, name_or_id: &str) -> anyhow::Result<yanshi_store::School> {
    if let Some(id) = yanshi_domain::ids::SchoolId::parse(name_or_id)
        && let Ok(s) = store.school(&id).await
    {
        return Ok(s);
    }
    store
        .school_by_name(name_or_id)
        .await
        .map_err(say::store)?
        .ok_or_else(|| refuse("cli-no-school", arg("name", name_or_id)))
}

async fn find_user(store: &Store, login: &str) -> anyhow::Result<yanshi_store::User> {
    let parsed = Login::parse(login).map_err(invalid)?;
    store
        .user_by_login(&parsed)
        .await
        .map_err(say::store)?
        .ok_or_else(|| refuse("cli-no-account", arg("login", login)))
}

async fn run(cli: Cli, file: FileConfig) -> anyhow::Result<()> {
    let clock = SystemClock;
    match &cli.command {
        Command::Serve(args) => serve::serve(&cli, &file, args).await,
        Command::Migrate => {
            let (_, url) = open(&cli, &file).await?;
            println!("migrated {}", yanshi_store::redact_url(&url));
            Ok(())
        }
        Command::School(SchoolCommand::Create { name }) => {
            let (store, _) = open(&cli, &file).await?;
            let s = store
                .create_school(&Actor::Cli, name, yanshi_domain::school_time::DEFAULT_TIME_ZONE, false, clock.now())
                .await
                .map_err(say::store)?;
            println!("{}\t{}", s.id, s.name);
            Ok(())
        }
        Command::School(SchoolCommand::List) => {
            let (store, _) = open(&cli, &file).await?;
            for s in store.schools().await? {
                println!("{}\t{}", s.id, s.name);
            }
            Ok(())
        }
        Command::User(cmd) => user_command(&cli, &file, cmd).await,
        Command::Backup { out } => {
            let (store, _) = open(&cli, &file).await?;
            if out.exists() {
                return Err(refuse("cli-backup-exists", arg("path", out.display())));
            }
            store
                .backup_sqlite(&out.display().to_string())
                .await
                .map_err(|e| refuse("cli-backup-failed", arg("error", e)))?;
            println!("backup written to {}", out.display());
            Ok(())
        }
        Command::Restore { from, yes } => restore(&cli, &file, from, *yes).await,
        Command::Audit(AuditCommand::Verify) => {
            let (store, _) = open(&cli, &file).await?;
            let mut broken = false;
            for r in store.verify_audit().await? {
                match r.result {
                    Ok(n) => println!("ok      {}: {n} entries", r.scope),
                    Err(b) => {
                        broken = true;
                        println!("BROKEN  {}: {b:?}", r.scope);
                    }
                }
            }
            if broken {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::DemoCode => {
            let secret = yanshi_domain::totp::base32_decode(demo::DEMO_TOTP_SECRET).context("demo secret")?;
            println!("{}", yanshi_domain::totp::current_code(&secret, clock.now()));
            Ok(())
        }
    }
}

async fn user_command(cli: &Cli, file: &FileConfig, cmd: &UserCommand) -> anyhow::Result<()> {
    let (store, _) = open(cli, file).await?;
    let now = SystemClock.now();
    match cmd {
        UserCommand::Create {
            username,
            name,
            role,
            school,
            phone,
        } => {
            let role = Role::parse(role)
                .filter(|r| *r != Role::Guardian)
                .ok_or_else(|| refuse("cli-unknown-role", arg("role", role)))?;
            let school_id = match (role.is_district_wide(), school) {
                (true, None) => None,
                (true, Some(_)) => return Err(refuse("cli-district-admin-school", yanshi_i18n::Args::new())),
                (false, Some(s)) => Some(find_school(&store, s).await?.id),
                (false, None) => return Err(refuse("cli-school-required", yanshi_i18n::Args::new())),
            };
            let pw = read_password()?;
            let hash = tokio::task::spawn_blocking(move || yanshi_domain::password::hash(&pw)).await?;
            let new = NewUser {
                school_id,
                role,
                username: Some(Username::parse(username).map_err(invalid)?),
                phone: phone.as_deref().map(PhoneNumber::parse).transpose().map_err(invalid)?,
                display_name: DisplayName::parse(name).map_err(invalid)?,
                password_hash: hash,
            };
            let u = store.create_user(&Actor::Cli, new, now).await.map_err(say::store)?;
            println!("created {} ({})", u.id, u.role.as_str());
        }
        UserCommand::ResetPassword { login } => {
            let u = find_user(&store, login).await?;
            let pw = read_password()?;
            let hash = tokio::task::spawn_blocking(move || yanshi_domain::password::hash(&pw)).await?;
            store.set_password(&Actor::Cli, &u.id, hash, now).await?;
            println!("password set; all sessions of {} ended", u.display_name);
            if u.disabled {
                println!(
                    "{} stays disabled; enable it with `yanshi user enable --login {login}`",
                    u.display_name
                );
            }
        }
        UserCommand::Disable { login } => {
            let u = find_user(&store, login).await?;
            store.disable_user(&Actor::Cli, &u.id, now).await?;
            println!("disabled {}", u.display_name);
        }
        UserCommand::Enable { login } => {
            let u = find_user(&store, login).await?;
            store.enable_user(&Actor::Cli, &u.id, now).await?;
            println!("enabled {}", u.display_name);
        }
        UserCommand::Invite { by, note } => {
            let u = find_user(&store, by).await?;
            let school = u
                .school_id
                .clone()
                .ok_or_else(|| refuse("cli-invite-no-school", arg("login", by)))?;
            let code = store
                .create_invitation(&Actor::User(u.id.clone()), &school, note, now, WebConfig::default().invitation_ttl)
                .await
                .map_err(say::store)?;
            println!("{}", code.grouped());
        }
    }
    Ok(())
}

async fn restore(cli: &Cli, file: &FileConfig, from: &std::path::Path, yes: bool) -> anyhow::Result<()> {
    if !from.is_file() {
        return Err(refuse("cli-file-not-found", arg("path", from.display())));
    }
    let data_dir = cli
        .data_dir
        .clone()
        .or(file.data_dir.clone())
        .unwrap_or_else(|| PathBuf::from(config::DEFAULT_DATA_DIR));
    let url = config::database_url(cli.database_url.clone().or(file.database_url.clone()), &data_dir)?;
    let target = config::sqlite_path(&url)?;
    // Check the backup before touching anything.
    match Store::sqlite_file_is_intact(from).await {
        Ok(true) => {}
        Ok(false) => return Err(refuse("cli-restore-not-intact", arg("path", from.display()))),
        Err(e) => {
            return Err(refuse(
                "cli-restore-unreadable",
                arg("path", from.display()).text("error", e.to_string()),
            ));
        }
    }
    if !yes {
        return Err(refuse(
            "cli-restore-confirm",
            arg("target", target.display()).text("from", from.display().to_string()),
        ));
    }
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
    }
    std::fs::copy(from, &target).map_err(|e| {
        refuse(
            "cli-restore-copy-failed",
            arg("path", target.display()).text("error", e.to_string()),
        )
    })?;
    println!("restored {} from {}", target.display(), from.display());
    Ok(())
}
