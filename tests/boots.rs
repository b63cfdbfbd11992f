//! A bundle whose logs span reboots: each failure is read with the kernel of the boot it
//! happened in, named in the verdict's context when the node has since booted another, and the
//! boots are on the timeline.

use crate::util::{report_json, seed_kernel_log_as_syslog};

const UNAME: &str = "Linux node-7 4.18.0-305.el8.x86_64 #1 SMP Thu Apr 29 08:54:30 EDT 2021 x86_64 x86_64 x86_64 GNU/Linux\n";
const BANNER_514: &str = "Linux version 3.10.0-514.26.2.el7.x86_64 (builder@kbuilder.dev.centos.org) (gcc version 4.8.5 20150623 (Red Hat 4.8.5-11) (GCC) ) #1 SMP Tue Jul 4 15:04:05 UTC 2017";
const BANNER_305: &str = "Linux version 4.18.0-305.el8.x86_64 (mockbuild@x86-vm-07.build.eng.bos.redhat.com) (gcc version 8.4.1 20200928 (Red Hat 8.4.1-1) (GCC)) #1 SMP Thu Apr 29 08:54:30 EDT 2021";

/// `journalctl -k` of two boots: the seed's, on 3.10.0-514, whose failure report lacks its
/// `CPU:` line (so only the boot's banner tells its kernel), then a boot of 4.18.
fn two_boot_journal() -> String {
    let mut lines = vec![
        "-- Logs begin at Fri 2017-12-22 23:59:43 CST, end at Sun 2018-01-28 09:00:05 CST. --"
            .to_string(),
        format!("Dec 22 23:59:43 node-7 kernel: {BANNER_514}"),
    ];
    lines.extend(
        seed_kernel_log_as_syslog("node-7")
            .into_iter()
            .filter(|l| !l.contains("kernel: CPU: ")),
    );
    lines.push("-- Reboot --".to_string());
    lines.push(format!("Jan 28 09:00:00 node-7 kernel: {BANNER_305}"));
    lines.push("Jan 28 09:00:05 node-7 kernel: IPVS: Creating netns size=2040 id=1".to_string());
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

#[test]
fn a_journal_of_two_boots_reads_the_failure_with_its_boots_kernel() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("sosreport-node-7");
    for (path, text) in [
        (
            "sos_commands/logs/journalctl_--no-pager",
            two_boot_journal(),
        ),
        ("sos_commands/kernel/uname_-a", UNAME.to_string()),
        (
            "sos_commands/date/date",
            "Sun Jan 28 09:10:00 CST 2018\n".to_string(),
        ),
    ] {
        let file = root.join(path);
        std::fs::create_dir_all(file.parent().expect("a folder")).expect("folders");
        std::fs::write(file, text).expect("write");
    }
    let r = report_json(&root);
    assert_eq!(r["bundle"]["kernel"], "4.18.0-305.el8.x86_64");
    let rc = &r["root_cause"];
    assert_eq!(rc["verdict"], "mm.external-fragmentation", "{rc}");
    let summary = rc["summary"].as_str().expect("summary");
    assert!(
        summary.contains(
            "The node has since rebooted into `4.18.0-305.el8.x86_64`; the failure happened on \
             `3.10.0-514.26.2.el7.x86_64`"
        ),
        "{summary}"
    );
    let failure = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["id"] == "mm.high-order-alloc-failure")
        .expect("the failure");
    let metrics = &failure["metrics"];
    assert_eq!(metrics["kernel_release"], "3.10.0-514.26.2.el7.x86_64");
    // 3.10's flag layout: 4.18 has no `__GFP_KMEMCG`.
    assert_eq!(
        metrics["gfp_flags"],
        serde_json::json!(["GFP_KERNEL", "__GFP_COMP", "__GFP_ZERO", "__GFP_KMEMCG"])
    );

    // What to do is for the node as it is now: it already runs a kernel past the defect.
    let actions: Vec<&str> = rc["recommendations"]
        .as_array()
        .expect("recommendations")
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    assert!(
        actions
            .iter()
            .any(|a| a.starts_with("The node has since booted `4.18.0-305.el8.x86_64`")),
        "{actions:?}"
    );
    assert!(
        !actions
            .iter()
            .any(|a| a.contains("this kernel is older") || a.starts_with("Plan a kernel upgrade")),
        "{actions:?}"
    );

    // Boot, failure, reboot, in that order.
    let kinds: Vec<&str> = r["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| {
            let text = e["text"].as_str()?;
            match e["kind"].as_str()? {
                "boot" if text.contains("3.10.0-514") => Some("boot 3.10"),
                "boot" if text.contains("4.18.0-305") => Some("boot 4.18"),
                "alloc_failure" => Some("failure"),
                _ => None,
            }
        })
        .collect();
    assert_eq!(kinds, ["boot 3.10", "failure", "boot 4.18"]);
}
