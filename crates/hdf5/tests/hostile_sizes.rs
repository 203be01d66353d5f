//! Files whose declared sizes, chunks or compressed data would make the reader allocate far
//! more than the file holds: each is refused from its headers, before the values are decoded,
//! and an [`Outline`] says what a file declares so a caller can budget before decoding.
//! The files are written here with `hdf5-pure` (chunked, deflated), not committed.

use hdf5_pure::{FileBuilder, LibVer, MaxExtent};
use kerust_hdf5::{File, Hdf5Error, Limits, Outline};

/// A file with a small dataset `w` and a dataset `bomb` of `n` zeros in `chunk`-long deflated
/// chunks: a few bytes per MiB in the file.
fn bomb_file(n: usize, chunk: u64) -> Vec<u8> {
    let mut fb = FileBuilder::new();
    fb.with_libver_bounds(LibVer::V110, LibVer::V110);
    fb.create_dataset("w")
        .with_f32_data(&[0.5, -1.0])
        .with_shape(&[2]);
    fb.create_dataset("bomb")
        .with_f32_data(&vec![0.0; n])
        .with_shape(&[n as u64])
        .with_chunks(&[chunk])
        .with_deflate(9);
    fb.finish().unwrap()
}

#[test]
fn an_outline_reads_the_declared_sizes_without_decoding_and_decode_keeps_to_the_budget() {
    let n = 4 << 20; // 16 MiB of values
    let bytes = bomb_file(n, 1 << 20);
    assert!(bytes.len() < 256 << 10, "{} bytes", bytes.len());
    let outline = Outline::from_bytes_named(bytes.clone(), "bomb.h5", Limits::default()).unwrap();
    let names: Vec<&str> = outline.datasets().iter().map(|d| d.path.as_str()).collect();
    assert_eq!(names, ["/bomb", "/w"]);
    assert_eq!(outline.declared_bytes("/bomb"), 16 << 20);
    assert_eq!(outline.declared_bytes("/"), (16 << 20) + 8);
    assert_eq!(outline.declared_bytes("/w"), 8);
    assert_eq!(outline.declared_bytes("/b"), 0, "a prefix is not a parent");
    // Within the budget: every value arrives.
    let file = outline.decode(17 << 20, "the test allows").unwrap();
    assert_eq!(file.dataset("w").unwrap().read_f32().unwrap(), [0.5, -1.0]);
    assert_eq!(file.dataset("bomb").unwrap().len(), n);
    // Over it: refused as a whole, naming the budget's owner.
    let outline = Outline::from_bytes_named(bytes, "bomb.h5", Limits::default()).unwrap();
    let err = outline.decode(1 << 20, "the test allows").unwrap_err();
    assert!(matches!(err, Hdf5Error::OverBudget { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("bomb.h5") && msg.contains("the test allows") && msg.contains("16777224"),
        "{msg}"
    );
}

#[test]
fn a_file_declaring_more_than_its_expansion_bound_is_refused_in_the_outline() {
    let bytes = bomb_file(4 << 20, 1 << 20);
    let tight = Limits {
        max_expansion: 16,
        ..Limits::default()
    };
    let err = Outline::from_bytes_named(bytes.clone(), "bomb.h5", tight).unwrap_err();
    assert!(
        matches!(
            err,
            Hdf5Error::TooLarge {
                knob: "max_expansion",
                ..
            }
        ),
        "{err:?}"
    );
    // The same bound holds for a whole-file read.
    let err = File::from_bytes_named(bytes, "bomb.h5", tight).unwrap_err();
    assert!(matches!(err, Hdf5Error::TooLarge { .. }), "{err:?}");
}

#[test]
fn a_chunk_far_larger_than_its_dataset_is_charged_before_it_is_inflated() {
    // Four values in one 16 MiB chunk of deflated zeros: the dataset declares 16 bytes, but
    // reading it inflates the whole chunk.
    let mut fb = FileBuilder::new();
    fb.with_libver_bounds(LibVer::V110, LibVer::V110);
    fb.create_dataset("tiny")
        .with_f32_data(&[1.0, 2.0, 3.0, 4.0])
        .with_shape(&[4])
        .with_maxshape(&[MaxExtent::Unlimited])
        .with_chunks(&[4 << 20])
        .with_deflate(9);
    let bytes = fb.finish().unwrap();
    assert!(bytes.len() < 256 << 10, "{} bytes", bytes.len());
    // A roomy budget reads it.
    let file = File::from_bytes(bytes.clone()).unwrap();
    assert_eq!(
        file.dataset("tiny").unwrap().read_f32().unwrap(),
        [1.0, 2.0, 3.0, 4.0]
    );
    // A budget under one chunk refuses it, naming the chunk.
    let tight = Limits {
        max_total_bytes: 4 << 20,
        ..Limits::default()
    };
    let err = File::from_bytes_named(bytes.clone(), "chunk.h5", tight).unwrap_err();
    assert!(
        matches!(&err, Hdf5Error::TooLarge { object, .. } if object.contains("one chunk")),
        "{err:?}"
    );
    let err = Outline::from_bytes_named(bytes, "chunk.h5", Limits::default())
        .unwrap()
        .decode(1 << 20, "the test allows")
        .unwrap_err();
    assert!(
        matches!(&err, Hdf5Error::OverBudget { object, .. } if object.contains("one chunk")),
        "{err:?}"
    );
}

#[test]
fn a_dataset_declaring_more_than_the_file_holds_is_refused_from_its_header() {
    // A contiguous dataset of 4099 values whose dataspace is then rewritten to claim 2^24:
    // 64 MiB declared in a file of a few KiB.
    let mut fb = FileBuilder::new();
    fb.with_libver_bounds(LibVer::V110, LibVer::V110);
    fb.create_dataset("w")
        .with_f32_data(&vec![0.25; 4099])
        .with_shape(&[4099]);
    let mut bytes = fb.finish().unwrap();
    let needle = 4099u64.to_le_bytes();
    let spots: Vec<usize> = bytes
        .windows(8)
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect();
    assert!(!spots.is_empty());
    for i in spots {
        bytes[i..i + 8].copy_from_slice(&(1u64 << 24).to_le_bytes());
    }
    let outline = Outline::from_bytes_named(bytes.clone(), "liar.h5", Limits::default());
    // Either the header is refused as inconsistent, or its 64 MiB is charged and refused.
    if let Ok(o) = outline {
        assert_eq!(o.declared_bytes("/"), 64 << 20);
        let err = o.decode(1 << 20, "the test allows").unwrap_err();
        assert!(matches!(err, Hdf5Error::OverBudget { .. }), "{err:?}");
    }
    let err = File::from_bytes_named(
        bytes,
        "liar.h5",
        Limits {
            max_expansion: 16,
            ..Limits::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Hdf5Error::TooLarge { .. } | Hdf5Error::Malformed { .. }
        ),
        "{err:?}"
    );
}
