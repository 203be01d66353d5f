//! Upper bound on the variable-length string bytes a file can make the decoder allocate.
//!
//! Why: a vlen element is a reference (length, global-heap collection, object index). Nothing
//! stops a hostile file from pointing thousands of attribute elements at one large heap object,
//! so a 2 MB file can decode into gigabytes, and the decoder offers no limit for attributes.
//! Before decoding, we find every global heap object ("GCOL" collections) and every byte window
//! that reads as a reference to one of them, and sum the referenced sizes. Legit files reference
//! each object once, so the bound stays near the heap size; amplification shows up here first.

use std::collections::{HashMap, HashSet};

const SIGNATURE: &[u8; 8] = b"\x89HDF\r\n\x1a\n";

fn read_le(bytes: &[u8], at: usize, width: usize) -> Option<u64> {
    let s = bytes.get(at..at.checked_add(width)?)?;
    Some(
        s.iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
    )
}

/// (superblock offset, size of offsets, size of lengths); the superblock sits at 0, 512, 1024...
fn superblock(bytes: &[u8]) -> Option<(usize, usize, usize)> {
    let mut at = 0usize;
    while at.checked_add(16)? <= bytes.len() {
        if &bytes[at..at + 8] == SIGNATURE {
            let version = bytes[at + 8];
            let (o, l) = match version {
                0 | 1 => (*bytes.get(at + 13)?, *bytes.get(at + 14)?),
                _ => (*bytes.get(at + 9)?, *bytes.get(at + 10)?),
            };
            let ok = |w: u8| matches!(w, 2 | 4 | 8);
            return (ok(o) && ok(l)).then_some((at, usize::from(o), usize::from(l)));
        }
        at = if at == 0 { 512 } else { at.checked_mul(2)? };
    }
    None
}

/// Sum of the sizes of all global-heap objects referenced from anywhere in the file, counting
/// each reference (so shared objects count once per reference). 0 when there is no global heap.
pub(crate) fn vlen_payload_bound(bytes: &[u8]) -> u128 {
    let Some((base, osz, lsz)) = superblock(bytes) else {
        return 0;
    };
    // (collection address relative to base, object index) → object size.
    let mut objects: HashMap<(u64, u32), u64> = HashMap::new();
    let mut collections: HashSet<u64> = HashSet::new();
    let mut at = 0usize;
    while let Some(pos) = find(bytes, b"GCOL", at) {
        at = pos + 4;
        if bytes.get(pos + 4) != Some(&1) || pos < base {
            continue;
        }
        let Some(size) = read_le(bytes, pos + 8, lsz) else {
            continue;
        };
        let end = (pos as u64).saturating_add(size).min(bytes.len() as u64) as usize;
        let addr = (pos - base) as u64;
        let mut obj = pos + 8 + lsz;
        let header = 8 + lsz;
        while obj.saturating_add(header) <= end {
            let (Some(index), Some(osize)) = (read_le(bytes, obj, 2), read_le(bytes, obj + 8, lsz))
            else {
                break;
            };
            if index == 0 {
                break; // free space: the rest of the collection is unused
            }
            objects.insert((addr, index as u32), osize);
            collections.insert(addr);
            let padded = osize.saturating_add(7) & !7;
            let Some(next) = (obj as u64).checked_add(header as u64 + padded) else {
                break;
            };
            obj = next.min(usize::MAX as u64) as usize;
        }
    }
    if objects.is_empty() {
        return 0;
    }
    // A reference is: u32 length, collection address (size of offsets), u32 object index.
    // Few collections exist, so a linear compare beats hashing at every byte offset.
    let colls: Vec<u64> = collections.into_iter().collect();
    let width = 4 + osz + 4;
    let mut total: u128 = 0;
    for i in 0..bytes.len().saturating_sub(width - 1) {
        let Some(addr) = read_le(bytes, i + 4, osz) else {
            break;
        };
        if !colls.contains(&addr) {
            continue;
        }
        let index = read_le(bytes, i + 4 + osz, 4).unwrap_or(0) as u32;
        if let Some(&size) = objects.get(&(addr, index)) {
            let claimed = read_le(bytes, i, 4).unwrap_or(0);
            total += u128::from(size.max(claimed));
        }
    }
    total
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_counts_each_reference_to_a_heap_object() {
        // Superblock v0 with 8-byte offsets/lengths, one collection holding one 16-byte object.
        let mut f = vec![0u8; 64];
        f[..8].copy_from_slice(SIGNATURE);
        f[13] = 8;
        f[14] = 8;
        let gcol = f.len() as u64;
        f.extend_from_slice(b"GCOL\x01\0\0\0");
        f.extend_from_slice(&4096u64.to_le_bytes());
        f.extend_from_slice(&1u16.to_le_bytes());
        f.extend_from_slice(&[0; 6]);
        f.extend_from_slice(&16u64.to_le_bytes());
        f.extend_from_slice(&[b'x'; 16]);
        let reference = |f: &mut Vec<u8>| {
            f.extend_from_slice(&16u32.to_le_bytes());
            f.extend_from_slice(&gcol.to_le_bytes());
            f.extend_from_slice(&1u32.to_le_bytes());
        };
        reference(&mut f);
        assert_eq!(vlen_payload_bound(&f), 16);
        for _ in 0..9 {
            reference(&mut f);
        }
        assert_eq!(vlen_payload_bound(&f), 160);
        assert_eq!(vlen_payload_bound(b"no hdf5 here"), 0);
    }
}
