//! The snapshot source: `kubectl get … -o json|yaml` output in files, directories (such as
//! `kubectl cluster-info dump --output-directory`) or standard input (`-`).

use std::io::Read;
use std::path::{Path, PathBuf};

use srehub_model::k8s::{ClusterSnapshot, SnapshotBuilder};

use crate::Error;

fn is_manifest(p: &Path) -> bool {
    matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("json" | "yaml" | "yml")
    )
}

/// Lists the snapshot files under a directory, recursively, in a stable order.
fn walk(dir: &Path, out: &mut Vec<PathBuf>, skipped: &mut usize) -> Result<(), Error> {
    let read = |p: &Path, e| Error::Read {
        path: p.to_path_buf(),
        source: e,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| read(dir, e))?
        .map(|e| e.map(|e| e.path()).map_err(|e| read(dir, e)))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out, skipped)?;
        } else if is_manifest(&p) {
            out.push(p);
        } else {
            *skipped += 1;
        }
    }
    Ok(())
}

/// Parser threads for large inputs: one per core.
fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

/// Reads snapshots from paths; `-` is standard input. Files of a directory are read in path order.
pub fn read(paths: &[PathBuf], stdin: &mut dyn Read) -> Result<ClusterSnapshot, Error> {
    let mut b = SnapshotBuilder::new();
    for path in paths {
        if path.as_os_str() == "-" {
            b.add_reader(&mut *stdin, "<stdin>", threads())?;
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|e| Error::Read {
            path: path.clone(),
            source: e,
        })?;
        if meta.is_dir() {
            let mut files = Vec::new();
            let mut skipped = 0;
            walk(path, &mut files, &mut skipped)?;
            if files.is_empty() {
                return Err(Error::EmptyDirectory { path: path.clone() });
            }
            for f in &files {
                let file = std::fs::File::open(f).map_err(|e| Error::Read {
                    path: f.clone(),
                    source: e,
                })?;
                b.add_reader(file, &f.display().to_string(), threads())?;
            }
            if skipped > 0 {
                b.note(format!(
                    "{skipped} file(s) in {} that are not JSON or YAML were skipped",
                    path.display()
                ));
            }
            tracing::debug!(dir = %path.display(), files = files.len(), skipped, "read snapshot directory");
        } else {
            let file = std::fs::File::open(path).map_err(|e| Error::Read {
                path: path.clone(),
                source: e,
            })?;
            b.add_reader(file, &path.display().to_string(), threads())?;
        }
    }
    Ok(b.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_directories_files_and_stdin() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("kube-system")).unwrap();
        std::fs::write(
            dir.path().join("nodes.json"),
            r#"{"kind":"NodeList","apiVersion":"v1","items":[{"metadata":{"name":"n1"}}]}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("kube-system/pods.yaml"), "kind: PodList\napiVersion: v1\nitems:\n- metadata: {name: p1, namespace: kube-system}\n").unwrap();
        std::fs::write(dir.path().join("kube-system/logs.txt"), "log line\n").unwrap();
        let mut stdin: &[u8] = br#"{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"a"}}"#;
        let s = read(&[dir.path().to_path_buf(), PathBuf::from("-")], &mut stdin).unwrap();
        assert_eq!((s.nodes.len(), s.pods.len(), s.namespaces.len()), (1, 1, 1));
        assert!(s.notes.iter().any(|n| n.contains("1 file(s)")));
    }

    #[test]
    fn errors_name_the_input() {
        let mut empty: &[u8] = b"";
        let e = read(&[PathBuf::from("-")], &mut empty)
            .unwrap_err()
            .to_string();
        assert!(e.contains("<stdin>") && e.contains("empty"), "{e}");
        let e = read(&[PathBuf::from("/no/such/dump.json")], &mut empty)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "reading /no/such/dump.json");
        let dir = tempfile::tempdir().unwrap();
        let e = read(&[dir.path().to_path_buf()], &mut empty)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no .json, .yaml or .yml file"), "{e}");
    }
}
