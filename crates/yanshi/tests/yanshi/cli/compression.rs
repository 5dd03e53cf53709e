//! Pages go out compressed: the classroom door of the demo class (about 40 children) with gzip
//! and with brotli, small enough that a 45-child class stays under 100 KB on the wire; the
//! board's event stream is never compressed (it would wait for a buffer to fill).

use crate::support::{Server, temp_dir};

#[tokio::test]
async fn the_door_page_is_compressed_and_a_45_child_class_stays_under_100_kb() {
    let dir = temp_dir("compression");
    let server = Server::start(dir.clone(), None, &["--demo"]);
    let client = crate::support::http();
    let cookie = crate::support::sign_in(&client, &server.base, "teacher", "yanshi-demo").await;
    let today = client
        .get(format!("{}/afternoon", server.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let class = today
        .split("class=\"card tile mine\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let door = |encoding: &'static str| {
        let (client, cookie, url) = (client.clone(), cookie.clone(), format!("{}{class}", server.base));
        async move {
            let resp = client
                .get(url)
                .header("cookie", cookie)
                .header("accept-encoding", encoding)
                .send()
                .await
                .unwrap();
            let header = resp.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_string());
            (header, resp.bytes().await.unwrap().len())
        }
    };
    let (plain_header, plain) = door("identity").await;
    assert_eq!(plain_header, None);
    let page = client
        .get(format!("{}{class}", server.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let children = page.matches("id=\"child-").count();
    assert!(children >= 30, "{children} children on the door page");
    for encoding in ["gzip", "br"] {
        let (header, wire) = door(encoding).await;
        assert_eq!(header.as_deref(), Some(encoding));
        // Scaled to a class of 45 (the page grows with each card).
        let at_45 = wire * 45 / children;
        assert!(
            at_45 < 100 * 1024,
            "{encoding}: {wire} bytes for {children} children ({plain} plain) → {at_45} at 45"
        );
        eprintln!("door page, {children} children: {plain} bytes plain, {wire} bytes {encoding} (≈{at_45} at 45)");
    }
    // The live board's stream is sent as it is.
    let stream = client
        .get(format!("{}/afternoon/board/events", server.base))
        .header("cookie", &cookie)
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert!(stream.headers().get("content-encoding").is_none());
    drop(stream);
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}
