//! The HTML report in a real browser: headless Chromium, network cut off, opens the seed sample's
//! report and a report of a bundle whose logs and container names carry script. The page must
//! render its charts, request nothing but itself, and run no script from the bundle.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it). Where it is missing the test says so and
//! passes, except under CI (`CI` set), where a missing browser fails the test.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{postmortem, repo};

fn chromium() -> Option<PathBuf> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// Output folder kept after the test, for the screenshots.
fn output_dir() -> PathBuf {
    let dir = repo().join("target/test-output");
    fs::create_dir_all(&dir).expect("create target/test-output");
    dir
}

struct PageLoad {
    dom: String,
    requested: Vec<String>,
}

/// Load `html` in headless Chromium with every network request made to fail, dump the DOM after
/// load, record the URLs it requested (from Chromium's net log), and save a screenshot.
fn load_page(browser: &Path, html: &Path, screenshot: &Path) -> PageLoad {
    let profile = tempfile::tempdir().expect("profile dir");
    let netlog = profile.path().join("netlog.json");
    let url = format!("file://{}", html.display());
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--window-size=1280,2400",
    ];
    let dump = Command::new(browser)
        .args(common)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("run chromium");
    assert!(
        dump.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let shot_profile = tempfile::tempdir().expect("profile dir");
    let shot = Command::new(browser)
        .args(common)
        .arg(format!("--user-data-dir={}", shot_profile.path().display()))
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg(&url)
        .output()
        .expect("run chromium");
    assert!(
        shot.status.success(),
        "chromium --screenshot failed: {}",
        String::from_utf8_lossy(&shot.stderr)
    );
    assert!(screenshot.exists(), "no screenshot written");

    // Requests the page made (Chromium's own background requests carry the initiator
    // "not an origin"; a file:// page's requests carry "null").
    let log = fs::read_to_string(&netlog).expect("chromium wrote its net log");
    let log: serde_json::Value = serde_json::from_str(&log).expect("net log is JSON");
    let mut requested: Vec<String> = log["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let p = &e["params"];
            let initiator = p["initiator"].as_str()?;
            (initiator != "not an origin").then(|| p["url"].as_str().map(str::to_string))?
        })
        .collect();
    requested.sort();
    requested.dedup();
    PageLoad {
        dom: String::from_utf8_lossy(&dump.stdout).into_owned(),
        requested,
    }
}

fn write_report(bundle: &Path, out: &Path) {
    let status = postmortem()
        .args(["report", "--format", "html", "-o"])
        .arg(out)
        .arg(bundle)
        .status()
        .expect("run postmortem");
    assert!(
        status.success(),
        "postmortem report failed for {}",
        bundle.display()
    );
}

fn external(requested: &[String]) -> Vec<&String> {
    requested
        .iter()
        .filter(|u| {
            !u.starts_with("file://") && !u.starts_with("data:") && !u.starts_with("about:")
        })
        .collect()
}

#[test]
fn seed_report_renders_in_a_browser_with_its_charts_and_no_request() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium for the browser test"
        );
        eprintln!("chromium not installed: browser test skipped");
        return;
    };
    let out = output_dir();
    let html = out.join("seed-report.html");
    write_report(&repo().join("samples/seed-runc-unshare-enomem"), &html);
    let page = load_page(&browser, &html, &out.join("seed-report.png"));
    assert!(page.dom.contains("<svg"), "no chart in the rendered page");
    assert!(
        page.dom.contains("mm.external-fragmentation"),
        "the verdict is not on the page"
    );
    assert_eq!(
        external(&page.requested),
        Vec::<&String>::new(),
        "the page requested something"
    );
}

#[test]
fn script_in_bundle_text_never_runs() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium for the browser test"
        );
        eprintln!("chromium not installed: browser test skipped");
        return;
    };
    let bundle = tempfile::tempdir().expect("bundle dir");
    let b = bundle.path();
    fs::write(
        b.join("dmesg"),
        "[    0.000000] Linux version 3.10.0-514.26.2.el7.x86_64 (builder@kbuilder) #1 SMP\n\
         [  100.000001] <script>document.title='PWNED'</script>: page allocation failure: order:6, mode:0x10c0d0\n\
         [  100.000002] <img src=x onerror=\"document.title='PWNED'\">\n\
         [  100.000003] [click](javascript:document.title='PWNED')\n",
    )
    .expect("write dmesg");
    fs::write(
        b.join("docker-inspect.json"),
        r#"[{"Id":"0123456789ab","Name":"/<img src=x onerror=document.title='PWNED'>",
"Config":{"Image":"<script>document.title='PWNED'</script>","Env":["A=<script>x</script>"]},
"State":{"Status":"created","Running":false,"OOMKilled":false,"ExitCode":128,
"Error":"oci runtime error: <script>document.title='PWNED'</script> javascript:alert(1)"},
"HostConfig":{"Memory":268435456}}]
"#,
    )
    .expect("write inspect");
    let out = output_dir();
    let html = out.join("hostile-report.html");
    write_report(b, &html);
    let page = load_page(&browser, &html, &out.join("hostile-report.png"));
    assert!(
        !page.dom.contains("PWNED</title>"),
        "a script from the bundle ran"
    );
    let lower = page.dom.to_ascii_lowercase();
    assert!(
        !lower.contains("<script"),
        "a script element reached the page"
    );
    assert!(
        !lower.contains("<img"),
        "an img element from the bundle reached the page"
    );
    assert!(
        !lower.contains("href=\"javascript:"),
        "a javascript: link reached the page"
    );
    assert_eq!(
        external(&page.requested),
        Vec::<&String>::new(),
        "the page requested something"
    );
}
