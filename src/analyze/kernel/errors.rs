//! What the kernel's refusals mean, read from the runtime's error text.

use crate::facts::RuntimeError;

/// Whether a runtime error is a namespace creation refused with EINVAL.
pub fn is_namespace_einval(e: &RuntimeError) -> bool {
    let errno = e.errno_text.as_deref().unwrap_or("").to_ascii_lowercase();
    let step = e.failed_step.as_deref().unwrap_or("").to_ascii_lowercase();
    errno.contains("invalid argument")
        && (step.contains("unshare") || step.contains("clone") || step.contains("namespace"))
}
