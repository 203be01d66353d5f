//! The real download path (ureq over TCP) against an HTTP server on 127.0.0.1 started inside each test:
//! success, wrong checksum, truncated body, 404, refused connection, and download-on-first-use with
//! archive extraction through `Cache`.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use kerust_datasets::{
    download_file, ArchiveKind, Cache, DatasetEntry, DatasetsError, Expected, Extract, RemoteFile,
};
use sha2::{Digest, Sha256};

/// How the fixture server answers one path.
#[derive(Clone)]
enum Reply {
    Ok(Vec<u8>),
    /// Declares the full length but closes after half the bytes.
    Truncated(Vec<u8>),
}

/// Serves `routes` (anything else is a 404) for at most `max_requests` connections; counts requests.
fn serve(routes: HashMap<&'static str, Reply>, max_requests: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max_requests) {
            let Ok(mut stream) = stream else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            let path = read_request_path(&mut stream);
            match routes.get(path.as_str()) {
                Some(Reply::Ok(body)) => respond(&mut stream, "200 OK", body, body.len()),
                Some(Reply::Truncated(body)) => {
                    respond(&mut stream, "200 OK", &body[..body.len() / 2], body.len())
                }
                None => respond(&mut stream, "404 Not Found", b"not found", 9),
            }
        }
    });
    (base, hits)
}

/// Reads the request head (bounded) and returns the path of its request line.
fn read_request_path(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while head.len() < 8192 && !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&head);
    text.split_whitespace().nth(1).unwrap_or("/").to_string()
}

fn respond(stream: &mut TcpStream, status: &str, body: &[u8], declared: usize) {
    let head =
        format!("HTTP/1.1 {status}\r\nContent-Length: {declared}\r\nConnection: close\r\n\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let _ = stream.flush();
}

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Only the destination may be in the folder: no temporary leftovers.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn payload() -> Vec<u8> {
    (0..3_000_000u32).map(|i| (i % 251) as u8).collect()
}

#[test]
fn ok_download_is_verified_and_renamed_into_place() {
    let body = payload();
    let (base, hits) = serve(HashMap::from([("/data.bin", Reply::Ok(body.clone()))]), 4);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("data.bin");
    let expected = Expected {
        sha256: Some(&sha(&body)),
        size: Some(body.len() as u64),
    };
    let got = download_file(
        &kerust_datasets::download::agent(),
        &format!("{base}/data.bin"),
        &dest,
        &expected,
        false,
    )
    .unwrap();
    assert_eq!(got, sha(&body));
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    assert_eq!(entries(dir.path()), vec!["data.bin"]);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    // Unknown hash: accepted, and the computed hash is returned so it can be pinned.
    let dest2 = dir.path().join("again.bin");
    let got = download_file(
        &kerust_datasets::download::agent(),
        &format!("{base}/data.bin"),
        &dest2,
        &Expected::default(),
        false,
    )
    .unwrap();
    assert_eq!(got, sha(&body));
}

#[test]
fn wrong_checksum_leaves_nothing() {
    let (base, _) = serve(HashMap::from([("/f", Reply::Ok(b"tampered".to_vec()))]), 4);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f.csv");
    let want = sha(b"original");
    let err = download_file(
        &kerust_datasets::download::agent(),
        &format!("{base}/f"),
        &dest,
        &Expected {
            sha256: Some(&want),
            size: None,
        },
        false,
    )
    .unwrap_err();
    assert!(
        matches!(err, DatasetsError::ChecksumMismatch { ref expected, ref got, .. } if *expected == want && *got == sha(b"tampered")),
        "{err}"
    );
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn truncated_body_is_an_error_and_leaves_nothing() {
    let body = payload();
    let (base, _) = serve(HashMap::from([("/big", Reply::Truncated(body.clone()))]), 4);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("big.bin");
    let err = download_file(
        &kerust_datasets::download::agent(),
        &format!("{base}/big"),
        &dest,
        &Expected::default(),
        false,
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, DatasetsError::Download { .. }), "{msg}");
    assert!(msg.contains(&dest.display().to_string()), "{msg}");
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn http_404_names_url_and_where_to_put_the_file() {
    let (base, _) = serve(HashMap::new(), 4);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("quora_small.csv");
    let url = format!("{base}/missing.csv");
    let err = download_file(
        &kerust_datasets::download::agent(),
        &url,
        &dest,
        &Expected::default(),
        false,
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(&url)
            && msg.contains("404")
            && msg.contains(&format!("place it at {}", dest.display())),
        "{msg}"
    );
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn refused_connection_is_a_download_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("x");
    let err = download_file(
        &kerust_datasets::download::agent(),
        &format!("http://127.0.0.1:{port}/x"),
        &dest,
        &Expected::default(),
        false,
    )
    .unwrap_err();
    assert!(matches!(err, DatasetsError::Download { .. }), "{err}");
}

fn zip_bytes(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn zip_entry(
    name: &str,
    url: String,
    sha256: Option<String>,
    member: Option<(&str, &[u8])>,
) -> DatasetEntry {
    DatasetEntry {
        name: name.to_string(),
        description: "fixture".into(),
        licence: "test".into(),
        files: vec![RemoteFile {
            url,
            file_name: format!("{name}.zip"),
            sha256,
            size: None,
            extract: Some(Extract {
                kind: ArchiveKind::Zip,
                into: name.to_string(),
                member_sha256: member
                    .map(|(m, d)| vec![(format!("{name}/{m}"), sha(d))])
                    .unwrap_or_default(),
            }),
            provides: vec![format!("{name}/train.csv")],
        }],
    }
}

#[test]
fn cache_downloads_once_verifies_and_extracts() {
    let train: &[u8] = b"id,text\n1,\"a\nb\"\n";
    let archive = zip_bytes(&[
        ("train.csv", train),
        ("sample_submission.csv", b"id,target\n"),
    ]);
    let (base, hits) = serve(HashMap::from([("/t.zip", Reply::Ok(archive.clone()))]), 8);
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path()).progress(false);
    let entry = zip_entry(
        "tweets",
        format!("{base}/t.zip"),
        Some(sha(&archive)),
        Some(("train.csv", train)),
    );
    cache.ensure_entry(&entry).unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("tweets/train.csv")).unwrap(),
        train
    );
    assert!(dir.path().join("tweets/sample_submission.csv").exists());
    assert_eq!(entries(dir.path()), vec!["tweets", "tweets.zip"]);
    cache.ensure_entry(&entry).unwrap();
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "second ensure must not download again"
    );
}

#[test]
fn cache_rejects_bad_member_hash_and_tampered_hand_placed_archive() {
    let archive = zip_bytes(&[("train.csv", b"changed")]);
    let (base, _) = serve(HashMap::from([("/t.zip", Reply::Ok(archive.clone()))]), 8);
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path()).progress(false);
    let entry = zip_entry(
        "tw",
        format!("{base}/t.zip"),
        None,
        Some(("train.csv", b"original")),
    );
    let err = cache.ensure_entry(&entry).unwrap_err();
    assert!(
        matches!(err, DatasetsError::ChecksumMismatch { .. }),
        "{err}"
    );
    assert!(!dir.path().join("tw/train.csv").exists());
    // A hand-placed archive that does not match the pinned hash is refused, not extracted.
    let dir2 = tempfile::tempdir().unwrap();
    std::fs::write(
        dir2.path().join("hp.zip"),
        zip_bytes(&[("train.csv", b"x")]),
    )
    .unwrap();
    let entry = zip_entry(
        "hp",
        format!("{base}/never-requested"),
        Some(sha(b"something else")),
        None,
    );
    let err = Cache::at(dir2.path())
        .progress(false)
        .ensure_entry(&entry)
        .unwrap_err();
    assert!(
        matches!(err, DatasetsError::ChecksumMismatch { .. }),
        "{err}"
    );
}

#[test]
fn cache_offline_error_says_where_to_put_the_file() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let entry = zip_entry(
        "off",
        format!("http://127.0.0.1:{port}/off.zip"),
        None,
        None,
    );
    let msg = Cache::at(dir.path())
        .progress(false)
        .ensure_entry(&entry)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains(&format!(
            "place it at {}",
            dir.path().join("off.zip").display()
        )),
        "{msg}"
    );
}

fn tar_gz(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, *data).unwrap();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&b.into_inner().unwrap()).unwrap();
    gz.finish().unwrap()
}

/// The registry's own layouts (file names, extraction folders, `provides`) for the sets that are not
/// mirrored, served from fixture archives: only the URL (and unknowable hashes) are replaced.
#[test]
fn registry_layouts_download_extract_and_load() {
    let yelp = tar_gz(&[
        (
            "yelp_review_polarity_csv/train.csv",
            b"\"1\",\"Slow.\\nCold food.\"\n\"2\",\"Great!\"\n",
        ),
        ("yelp_review_polarity_csv/test.csv", b"\"2\",\"ok\"\n"),
    ]);
    let acl = tar_gz(&[
        ("aclImdb/train/neg/0_2.txt", b"bad"),
        ("aclImdb/train/pos/0_9.txt", b"good"),
        ("aclImdb/test/neg/0_1.txt", b"awful"),
        ("aclImdb/test/pos/0_10.txt", b"superb"),
    ]);
    let glove_members: Vec<(String, Vec<u8>)> = [50, 100, 200, 300]
        .iter()
        .map(|d| {
            (
                format!("glove.6B.{d}d.txt"),
                format!("the {}\n", vec!["0.5"; *d].join(" ")).into_bytes(),
            )
        })
        .collect();
    let glove_refs: Vec<(&str, &[u8])> = glove_members
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let glove = zip_bytes(&glove_refs);
    let npz =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/imdb_tiny.npz"))
            .unwrap();
    let (base, hits) = serve(
        HashMap::from([
            ("/yelp.tgz", Reply::Ok(yelp)),
            ("/acl.tgz", Reply::Ok(acl)),
            ("/glove.zip", Reply::Ok(glove)),
            ("/imdb.npz", Reply::Ok(npz)),
            (
                "/imdb_word_index.json",
                Reply::Ok(b"{\"the\": 1, \"and\": 2}".to_vec()),
            ),
        ]),
        16,
    );
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path()).progress(false);
    for name in ["yelp_review_polarity", "aclImdb", "glove.6B", "imdb"] {
        let mut e = kerust_datasets::lookup(name).unwrap();
        for f in &mut e.files {
            let file = f.url.rsplit('/').next().unwrap().to_string();
            let route = match file.as_str() {
                "yelp_review_polarity_csv.tgz" => "yelp.tgz".to_string(),
                "aclImdb_v1.tar.gz" => "acl.tgz".to_string(),
                "glove.6B.zip" => "glove.zip".to_string(),
                other => other.to_string(),
            };
            f.url = format!("{base}/{route}");
            f.sha256 = None; // the fixture bytes are not the real files
        }
        cache.ensure_entry(&e).unwrap();
    }
    assert_eq!(hits.load(Ordering::SeqCst), 5);
    // The typed loaders now find everything where the registry put it, without another request.
    let (train, test) = cache.yelp_review_polarity().unwrap();
    assert_eq!(
        (train.labels.clone(), test.labels.clone()),
        (vec![0, 1], vec![1])
    );
    assert_eq!(train.texts[0], "Slow.\nCold food.");
    let acl = cache.aclimdb("test").unwrap();
    assert_eq!(
        (acl.texts.clone(), acl.labels.clone()),
        (vec!["awful".to_string(), "superb".to_string()], vec![0, 1])
    );
    assert_eq!(cache.glove_6b(100).unwrap().vectors.shape(), &[1, 100]);
    assert!(cache.glove_6b(64).is_err());
    assert_eq!(cache.imdb_get_word_index().unwrap()["and"], 2);
    let (tr, te) = cache
        .imdb_load_data(&kerust_datasets::ImdbLoadData::new().num_words(20))
        .unwrap();
    assert_eq!((tr.x.len(), te.x.len()), (12, 9));
    assert_eq!(hits.load(Ordering::SeqCst), 5);
}
