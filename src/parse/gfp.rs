//! GFP flag decoding by kernel version.

/// Decode a raw GFP mask into flag names for the given kernel release (`3.10.0-514.el7`).
/// Returns an empty list when the release is unknown.
pub fn decode(raw: u64, kernel_release: Option<&str>) -> Vec<String> {
    let _ = (raw, kernel_release);
    Vec::new()
}
