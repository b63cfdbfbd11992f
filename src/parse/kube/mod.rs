//! Kubernetes and CRI sources: what the kubelet and the container runtimes log, and what
//! `kubectl` and `crictl` print.
//!
//! Logs are read by [`crate::parse::daemon_log`] and each of their messages by [`log`]; the
//! command outputs each have a module and a format descriptor.

pub mod log;
