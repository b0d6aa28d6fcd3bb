//! What the fuzz targets share: reading their input front to back.
//!
//! Each target implements `arbitrary::Arbitrary` for its input by hand on top
//! of these readers, in a byte layout simple enough to write seeds for
//! (`seeds.py` writes the committed corpus). Every reader accepts any bytes:
//! past the end of the input it reads zeros and empty strings.
#![forbid(unsafe_code)]

use arbitrary::Unstructured;

/// One byte; 0 once the input is used up.
pub fn byte(u: &mut Unstructured<'_>) -> u8 {
    let mut b = [0u8; 1];
    // fill_buffer pads with zeros when the data runs out; it never fails.
    let _ = u.fill_buffer(&mut b);
    b[0]
}

/// A choice among `n` (> 0) alternatives: one byte modulo `n`.
pub fn choice(u: &mut Unstructured<'_>, n: usize) -> usize {
    byte(u) as usize % n.max(1)
}

/// A little-endian `u16`.
pub fn u16_le(u: &mut Unstructured<'_>) -> u16 {
    u16::from_le_bytes([byte(u), byte(u)])
}

/// A little-endian `u64`.
pub fn u64_le(u: &mut Unstructured<'_>) -> u64 {
    let mut b = [0u8; 8];
    let _ = u.fill_buffer(&mut b);
    u64::from_le_bytes(b)
}

/// Up to `n` bytes, fewer when the input ends first.
pub fn take<'a>(u: &mut Unstructured<'a>, n: usize) -> &'a [u8] {
    u.bytes(n.min(u.len())).unwrap_or_default()
}

/// A one-byte length, then that many bytes.
pub fn short_bytes<'a>(u: &mut Unstructured<'a>) -> &'a [u8] {
    let n = byte(u) as usize;
    take(u, n)
}

/// A two-byte (little-endian) length, then that many bytes.
pub fn long_bytes<'a>(u: &mut Unstructured<'a>) -> &'a [u8] {
    let n = u16_le(u) as usize;
    take(u, n)
}

/// Bytes as text, invalid UTF-8 replaced.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The content types the targets choose from.
pub const CONTENT_TYPES: &[Option<&str>] = &[
    None,
    Some("application/x-www-form-urlencoded"),
    Some("application/x-www-form-urlencoded; charset=UTF-8"),
    Some("application/json"),
    Some("Application/JSON ; charset=utf-8"),
    Some("text/plain"),
    Some(""),
    Some("multipart/form-data; boundary=x"),
];

/// A content type: one byte modulo 16; below `CONTENT_TYPES.len()` it picks
/// from [`CONTENT_TYPES`], above it reads an arbitrary one with a two-byte
/// length.
pub fn content_type(u: &mut Unstructured<'_>) -> Option<String> {
    let i = choice(u, 16);
    match CONTENT_TYPES.get(i) {
        Some(ct) => ct.map(str::to_owned),
        None => Some(text(long_bytes(u))),
    }
}

/// The media type of a content type as the API is specified to read it: the
/// part before any `;`, trimmed, case-insensitive; empty when there is none.
pub fn media_type(content_type: Option<&str>) -> String {
    content_type
        .and_then(|ct| ct.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default()
}
