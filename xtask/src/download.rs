//! `cargo xtask download [--list] [--verify] [--dir PATH] [--no-progress] NAME...|all`: fetch lecture
//! datasets from the registry into the cache (`--dir`, else `KERUST_DATA`, else the platform cache).

use kerust_datasets::{default_data_dir, lookup, registry, sha256_file, Cache};

const USAGE: &str =
    "usage: cargo xtask download [--list] [--verify] [--dir PATH] [--no-progress] NAME...|all";

/// Parsed command line.
struct Options {
    list: bool,
    verify: bool,
    dir: Option<String>,
    progress: bool,
    names: Vec<String>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        list: false,
        verify: false,
        dir: None,
        progress: true,
        names: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--list" => o.list = true,
            "--verify" => o.verify = true,
            "--no-progress" => o.progress = false,
            "--dir" => {
                o.dir = Some(
                    it.next()
                        .ok_or(format!("--dir needs a path\n{USAGE}"))?
                        .clone(),
                )
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            s if s.starts_with('-') => return Err(format!("unknown option {s}\n{USAGE}")),
            s => o.names.push(s.to_string()),
        }
    }
    if !o.list && o.names.is_empty() {
        return Err(format!("name a dataset, or `all`, or use --list\n{USAGE}"));
    }
    Ok(o)
}

/// Runs the subcommand; `args` are the words after `download`.
pub fn run(args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    let o = parse(args)?;
    let root = match &o.dir {
        Some(d) => d.into(),
        None => default_data_dir().map_err(|e| e.to_string())?,
    };
    if o.list {
        println!("cache: {}", root.display());
        for e in registry() {
            let pinned = e.files.iter().filter(|f| f.sha256.is_some()).count();
            println!(
                "{:<28} {} file(s), {pinned} with pinned SHA-256 — {}",
                e.name,
                e.files.len(),
                e.description
            );
            println!("{:<28} licence: {}", "", e.licence);
            for f in &e.files {
                println!("{:<28} {}", "", f.url);
            }
        }
        if o.names.is_empty() {
            return Ok(());
        }
    }
    let names: Vec<String> = if o.names.iter().any(|n| n == "all") {
        registry().into_iter().map(|e| e.name).collect()
    } else {
        o.names.clone()
    };
    let cache = Cache::at(&root).progress(o.progress);
    let mut failures = Vec::new();
    for name in &names {
        let result = cache.ensure(name).and_then(|_| {
            if o.verify {
                verify(&cache, name)
            } else {
                Ok(())
            }
        });
        match result {
            Ok(()) => println!("{name}: ready in {}", root.display()),
            Err(e) => {
                eprintln!("{name}: {e}");
                failures.push(name.clone());
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} of {} dataset(s) failed: {}",
            failures.len(),
            names.len(),
            failures.join(", ")
        ))
    }
}

/// Re-hashes every downloaded (not extracted) file that has a pinned SHA-256.
fn verify(cache: &Cache, name: &str) -> Result<(), kerust_datasets::DatasetsError> {
    for f in lookup(name)?.files {
        let path = cache.path(&f.file_name);
        if let (Some(want), true) = (&f.sha256, path.exists()) {
            let got = sha256_file(&path)?;
            if &got != want {
                return Err(kerust_datasets::DatasetsError::ChecksumMismatch {
                    url: f.url.clone(),
                    dest: path,
                    expected: want.clone(),
                    got,
                });
            }
            println!("{name}: {} sha256 ok", f.file_name);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn parses_flags_and_names() {
        let o = parse(&s(&["--dir", "/x", "--no-progress", "quora_small"])).unwrap();
        assert_eq!(
            (o.dir.as_deref(), o.progress, o.names.len()),
            (Some("/x"), false, 1)
        );
        assert!(parse(&s(&[])).is_err());
        assert!(parse(&s(&["--dir"])).is_err());
        assert!(parse(&s(&["--bogus"])).is_err());
        assert!(parse(&s(&["--list"])).unwrap().list);
    }

    #[test]
    fn present_files_need_no_network() {
        let dir = std::env::temp_dir().join(format!("kerust-xtask-dl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("quora_small.csv"), "id\n").unwrap();
        let r = run(&s(&[
            "--dir",
            dir.to_str().unwrap(),
            "--no-progress",
            "quora_small",
        ]));
        assert!(r.is_ok(), "{r:?}");
        let r = run(&s(&[
            "--dir",
            dir.to_str().unwrap(),
            "--verify",
            "quora_small",
        ]));
        assert!(r.unwrap_err().contains("quora_small"));
        let r = run(&s(&["--dir", dir.to_str().unwrap(), "no_such_set"]));
        assert!(r.unwrap_err().contains("no_such_set"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
