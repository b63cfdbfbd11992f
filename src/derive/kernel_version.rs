//! Kernel release strings, read into numbers the rules can compare.
//!
//! A release such as `3.10.0-514.26.2.el7.x86_64` carries two versions: the upstream base
//! (3.10.0) and the distribution build (514 for RHEL 7.3). Vendor kernels backport fixes, so a
//! rule about RHEL 7 needs both: the base says which code the kernel started from, the build
//! says how far the vendor has carried it.

use std::cmp::Ordering;
use std::fmt;

/// Who built the kernel, as far as the release string tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distro {
    /// Red Hat Enterprise Linux and its rebuilds (CentOS, Oracle, Rocky...), with the major
    /// release from the `.elN` tag.
    Rhel(u32),
    /// Debian (`4.19.0-6-amd64`).
    Debian,
    /// Ubuntu and its cloud flavours (`5.15.0-1019-azure`, `4.15.0-112-generic`).
    Ubuntu,
    /// Anything else (mainline, custom builds, other distributions).
    Other,
}

/// A parsed kernel release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    /// The first number after the dash: the distribution build (514 in `3.10.0-514.26.2.el7`,
    /// 6 in `4.19.0-6-amd64`, 1019 in `5.15.0-1019-azure`).
    pub build: Option<u32>,
    pub distro: Distro,
    /// The release as given.
    pub release: String,
}

impl KernelVersion {
    /// Read a release string. `None` when it does not start with `major.minor`.
    pub fn parse(release: &str) -> Option<KernelVersion> {
        let release = release.trim();
        let (base, rest) = match release.find(['-', '+', '_']) {
            Some(i) => (&release[..i], &release[i + 1..]),
            None => (release, ""),
        };
        let mut nums = base.split('.');
        let major = leading_number(nums.next()?)?;
        let minor = leading_number(nums.next()?)?;
        let patch = nums.next().and_then(leading_number).unwrap_or(0);
        let build = if rest.is_empty() {
            None
        } else {
            leading_number(rest)
        };
        let lower = release.to_ascii_lowercase();
        let distro = if let Some(n) = el_tag(&lower) {
            Distro::Rhel(n)
        } else if lower.contains("ubuntu")
            || lower.ends_with("-generic")
            || lower.ends_with("-azure")
            || lower.ends_with("-aws")
            || lower.ends_with("-gcp")
            || lower.ends_with("-lowlatency")
            || lower.ends_with("-kvm")
        {
            Distro::Ubuntu
        } else if lower.ends_with("-amd64")
            || lower.ends_with("-arm64")
            || lower.ends_with("-686-pae")
            || lower.contains("deb")
        {
            Distro::Debian
        } else {
            Distro::Other
        };
        Some(KernelVersion {
            major,
            minor,
            patch,
            build,
            distro,
            release: release.to_string(),
        })
    }

    /// Compare the upstream base with `major.minor`.
    pub fn cmp_base(&self, major: u32, minor: u32) -> Ordering {
        (self.major, self.minor).cmp(&(major, minor))
    }

    /// The upstream base is older than `major.minor`.
    pub fn before(&self, major: u32, minor: u32) -> bool {
        self.cmp_base(major, minor) == Ordering::Less
    }

    /// The upstream base is `major.minor` or newer.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        !self.before(major, minor)
    }

    /// A RHEL 7 kernel (3.10.0-NNN.el7 and its rebuilds).
    pub fn is_rhel7(&self) -> bool {
        self.distro == Distro::Rhel(7)
    }

    /// The kernel's family in a word, for signatures: `el7` for any RHEL 7 build, else the
    /// upstream base (`4.4`), which is what decides how the kernel behaves.
    pub fn family(&self) -> String {
        match self.distro {
            Distro::Rhel(n) => format!("el{n}"),
            _ => format!("{}.{}", self.major, self.minor),
        }
    }

    /// The RHEL build number (514 for RHEL 7.3's `3.10.0-514...el7`).
    pub fn rhel_build(&self) -> Option<u32> {
        match self.distro {
            Distro::Rhel(_) => self.build,
            _ => None,
        }
    }

    /// Whether the kernel uses the pre-4.4 watermark check, where pages in blocks smaller than
    /// the request do not count towards the watermark (see
    /// `analyze::fragmentation::watermark_ok`). RHEL 7 kernels keep the 3.10 check.
    pub fn has_per_order_watermark(&self) -> bool {
        self.before(4, 4)
    }

    /// Whether each new network namespace creates its own `nf_conntrack_<addr>` slab cache
    /// (kernels 2.6.33 to 4.6; RHEL 7 keeps it).
    pub fn has_per_netns_conntrack_cache(&self) -> bool {
        let after_start = (self.major, self.minor, self.patch) >= (2, 6, 33);
        after_start && self.before(4, 7)
    }

    /// Whether the `cgroup.memory=nokmem` boot parameter is known to work: upstream 4.6+, and
    /// RHEL 7.7+ (3.10.0-1062 and later) by reports.
    pub fn supports_nokmem_param(&self) -> bool {
        if self.is_rhel7() {
            return self.build.is_some_and(|b| b >= 1062);
        }
        self.at_least(4, 6)
    }
}

impl fmt::Display for KernelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.release)
    }
}

/// The number at the start of `s` (`514` of `514.26.2.el7`), if any.
fn leading_number(s: &str) -> Option<u32> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s[..end].parse().ok()
}

/// The N of an `.elN` tag (`el7`, `el8_4`).
fn el_tag(lower: &str) -> Option<u32> {
    let mut search = lower;
    while let Some(i) = search.find(".el") {
        let after = &search[i + 3..];
        if let Some(n) = leading_number(after) {
            return Some(n);
        }
        search = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rhel7_release_reads_base_and_build() {
        let k = KernelVersion::parse("3.10.0-514.26.2.el7.x86_64").unwrap();
        assert_eq!((k.major, k.minor, k.patch), (3, 10, 0));
        assert_eq!(k.build, Some(514));
        assert_eq!(k.distro, Distro::Rhel(7));
        assert!(k.is_rhel7());
        assert_eq!(k.family(), "el7");
        assert_eq!(k.rhel_build(), Some(514));
        assert!(k.before(4, 4));
        assert!(k.has_per_order_watermark());
        assert!(k.has_per_netns_conntrack_cache());
        assert!(!k.supports_nokmem_param());
    }

    #[test]
    fn rhel77_supports_nokmem() {
        let k = KernelVersion::parse("3.10.0-1062.12.1.el7.x86_64").unwrap();
        assert!(k.supports_nokmem_param());
        assert_eq!(k.rhel_build(), Some(1062));
    }

    #[test]
    fn debian_and_ubuntu_releases() {
        let d = KernelVersion::parse("4.19.0-6-amd64").unwrap();
        assert_eq!((d.major, d.minor, d.patch, d.build), (4, 19, 0, Some(6)));
        assert_eq!(d.distro, Distro::Debian);
        assert!(!d.has_per_order_watermark());
        assert!(!d.has_per_netns_conntrack_cache());
        assert!(d.supports_nokmem_param());

        let u = KernelVersion::parse("5.15.0-1019-azure").unwrap();
        assert_eq!((u.major, u.minor, u.patch, u.build), (5, 15, 0, Some(1019)));
        assert_eq!(u.distro, Distro::Ubuntu);
        assert!(u.at_least(4, 4));
        assert_eq!(u.rhel_build(), None);
    }

    #[test]
    fn short_and_odd_releases() {
        let k = KernelVersion::parse("6.1").unwrap();
        assert_eq!((k.major, k.minor, k.patch, k.build), (6, 1, 0, None));
        let el8 = KernelVersion::parse("4.18.0-305.el8_4.x86_64").unwrap();
        assert_eq!(el8.distro, Distro::Rhel(8));
        assert!(KernelVersion::parse("unknown").is_none());
        assert!(KernelVersion::parse("").is_none());
        let old = KernelVersion::parse("2.6.32-754.el6.x86_64").unwrap();
        assert!(!old.has_per_netns_conntrack_cache());
    }
}
