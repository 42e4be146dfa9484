//! Packaged subcharts: a `charts/<name>-<version>.tgz` (what `helm
//! dependency build` and `helm package` write) unpacked in memory, as Helm's
//! loader reads it: a gzip-compressed tar whose entries sit under one
//! top directory (the chart's name), which is taken off. Nothing is written
//! to disk and nothing outside the archive is named: an absolute path, a
//! `..` leaving the chart, or a drive letter refuses the archive, as Helm
//! refuses it. Links and other entries that are not regular files are left
//! out. Reading is bounded by [`Bounds`]: the archive's size, the bytes it
//! decompresses to, its entries, each entry's size and how deep archives
//! nest in archives.

use std::collections::BTreeMap;
use std::io::Read;

/// The limits of one packaged subchart (with the archives inside it).
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// The largest archive, compressed.
    pub archive_bytes: u64,
    /// The most bytes the archive (and those nested in it) decompress to,
    /// tar headers included.
    pub total_bytes: u64,
    /// The most entries, over the nested archives too.
    pub entries: usize,
    /// The largest entry.
    pub file_bytes: u64,
    /// How deep archives nest in archives (`charts/a.tgz` holding
    /// `charts/b.tgz` is 2).
    pub depth: usize,
}

/// Helm's own limits (`MaxDecompressedChartSize`, `MaxDecompressedFileSize`)
/// for the sizes; the entry count as for a chart directory's files.
pub const BOUNDS: Bounds = Bounds {
    archive_bytes: 16 << 20,
    total_bytes: 100 << 20,
    entries: 2000,
    file_bytes: 5 << 20,
    depth: 8,
};

/// What is left of the bounds while one archive (and its nested ones) is
/// read.
struct Budget {
    bounds: Bounds,
    entries: usize,
}

/// Unpacks the chart packaged in `bytes`: its files, relative to the
/// chart's directory, with `/` separators. A nested packaged subchart
/// (`charts/b.tgz`) is unpacked in turn, its files under `charts/b.tgz/`;
/// a file that is not UTF-8 text is left out, as for a chart directory.
/// The error says what is wrong with the archive.
pub fn unpack(bytes: &[u8], bounds: Bounds) -> Result<BTreeMap<String, String>, String> {
    Ok(unpack_members(bytes, bounds)?
        .into_iter()
        .map(|(path, member)| (path, member.text))
        .collect())
}

/// A file of a packaged chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Where it is inside the archive, as the archive names it (top
    /// directory included), a nested archive's files after the nested
    /// archive's name and [`MEMBER_MARK`]: `redis/values.yaml`,
    /// `redis/charts/b-1.0.0.tgz!/b/values.yaml`.
    pub inner: String,
    pub text: String,
}

/// What separates an archive's path from the path of a file inside it in
/// the path a packaged file is shown with (`charts/redis-1.0.0.tgz!/redis/values.yaml`).
pub const MEMBER_MARK: &str = "!/";

/// [`unpack`], with each file's path inside the archive ([`Member`]).
pub fn unpack_members(bytes: &[u8], bounds: Bounds) -> Result<BTreeMap<String, Member>, String> {
    let mut budget = Budget { bounds, entries: 0 };
    unpack_nested(bytes, &mut budget, 1)
}

/// The path of a packaged file relative to the chart holding the
/// archive, as the renderer keys it, from the path it is shown with:
/// `charts/redis-1.0.0.tgz!/redis/values.yaml` is
/// `charts/redis-1.0.0.tgz/values.yaml` (the archive's top directory is
/// taken off, as Helm takes it off). A path with no archive in it is
/// returned as it is.
pub fn chart_key(shown: &str) -> String {
    let mut out = String::with_capacity(shown.len());
    let mut rest = shown;
    while let Some(at) = rest.find(".tgz!/") {
        out.push_str(&rest[..at + 4]);
        let inner = &rest[at + 4 + MEMBER_MARK.len()..];
        // The top directory goes; what follows it stays.
        rest = inner.find('/').map_or("", |i| &inner[i..]);
    }
    out.push_str(rest);
    out
}

fn unpack_nested(
    bytes: &[u8],
    budget: &mut Budget,
    depth: usize,
) -> Result<BTreeMap<String, Member>, String> {
    if depth > budget.bounds.depth {
        return Err(format!(
            "packaged subcharts nest more than {} deep",
            budget.bounds.depth
        ));
    }
    if bytes.len() as u64 > budget.bounds.archive_bytes {
        return Err(format!(
            "the archive is {} bytes, over the limit of {}",
            bytes.len(),
            budget.bounds.archive_bytes
        ));
    }
    let raw = entries(bytes, budget)?;
    let mut files = BTreeMap::new();
    let mut nested = Vec::new();
    for (path, inner, data) in raw {
        let packaged = path
            .strip_prefix("charts/")
            .filter(|r| !r.contains('/') && r.ends_with(".tgz"));
        if packaged.is_some() {
            nested.push((path, inner, data));
            continue;
        }
        let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&data);
        if let Ok(text) = std::str::from_utf8(data) {
            let text = text.to_string();
            files.insert(path, Member { inner, text });
        }
    }
    for (path, inner, data) in nested {
        let members =
            unpack_nested(&data, budget, depth + 1).map_err(|e| format!("{path}: {e}"))?;
        for (p, m) in members {
            files.insert(
                format!("{path}/{p}"),
                Member {
                    inner: format!("{inner}{MEMBER_MARK}{}", m.inner),
                    text: m.text,
                },
            );
        }
    }
    if !files.contains_key("Chart.yaml") {
        return Err("the archive holds no Chart.yaml under its top directory".into());
    }
    Ok(files)
}

/// The regular files of the archive, by their path below the top
/// directory and their path in the archive (separators made `/`), within
/// the budget.
fn entries(bytes: &[u8], budget: &mut Budget) -> Result<Vec<(String, String, Vec<u8>)>, String> {
    let limit = budget.bounds.total_bytes;
    let gz = flate2::read::GzDecoder::new(bytes);
    // One byte over the limit tells a stream that reaches it from one
    // that ends there.
    let mut archive = tar::Archive::new(gz.take(limit.saturating_add(1)));
    let mut out = Vec::new();
    let mut total = 0u64;
    let iter = archive
        .entries()
        .map_err(|e| format!("not a gzip-compressed tar archive: {e}"))?;
    for entry in iter {
        let mut entry = entry.map_err(|e| format!("not a readable tar archive: {e}"))?;
        budget.entries += 1;
        if budget.entries > budget.bounds.entries {
            return Err(format!(
                "the archive holds more than {} entries",
                budget.bounds.entries
            ));
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(path) = chart_path(&name)? else {
            continue;
        };
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let size = entry.size();
        if size > budget.bounds.file_bytes {
            return Err(format!(
                "{name} is {size} bytes, over the limit of {} for one file",
                budget.bounds.file_bytes
            ));
        }
        total = total.saturating_add(size);
        if total > limit {
            return Err(format!("the archive decompresses to over {limit} bytes"));
        }
        let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        entry
            .read_to_end(&mut data)
            .map_err(|e| format!("{name}: cannot be read: {e}"))?;
        // The file as the archive names it: its top directory, then the
        // path cleaned as the chart's.
        let top = name.replace('\\', "/");
        let top = top.split('/').next().unwrap_or("");
        let inner = format!("{top}/{path}");
        out.push((path, inner, data));
    }
    Ok(out)
}

/// The path of an entry below the archive's top directory, as Helm's
/// loader reads it (`\` separators too); `None` for the top directory
/// itself. An absolute path, a path leaving the chart or naming a drive,
/// and a `Chart.yaml` outside any directory are errors, as in Helm.
fn chart_path(name: &str) -> Result<Option<String>, String> {
    let name_n = name.replace('\\', "/");
    let mut parts = name_n.split('/');
    let top = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    if rest.is_empty() {
        if top == "Chart.yaml" {
            return Err("Chart.yaml is not in the archive's top directory".into());
        }
        // The top directory itself, or a file beside it.
        return Ok(None);
    }
    if rest.first() == Some(&"") && rest.len() > 1 {
        return Err(format!("{name}: absolute paths are not allowed in a chart"));
    }
    let mut clean: Vec<&str> = Vec::new();
    for part in rest {
        match part {
            "" | "." => {}
            ".." => {
                if clean.pop().is_none() {
                    return Err(format!("{name}: leaves the chart's directory"));
                }
            }
            p => clean.push(p),
        }
    }
    let Some(first) = clean.first() else {
        return Ok(None);
    };
    let drive = first.len() == 2
        && first.ends_with(':')
        && first.starts_with(|c: char| c.is_ascii_alphabetic());
    if drive {
        return Err(format!("{name}: names a drive"));
    }
    Ok(Some(clean.join("/")))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A gzip-compressed tar of `entries` (path, data), written with the
    /// crates' own writers so that every header is as `helm package`
    /// writes it.
    pub(crate) fn tgz(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::default(),
        ));
        for (path, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            // `set_path` refuses `..`; write the name as raw bytes.
            let name = &mut header.as_old_mut().name;
            name[..path.len()].copy_from_slice(path.as_bytes());
            header.set_cksum();
            builder.append(&header, *data).expect("append");
        }
        builder
            .into_inner()
            .and_then(flate2::write::GzEncoder::finish)
            .expect("finish")
    }

    #[test]
    fn unpacks_a_chart_below_its_top_directory() {
        let bytes = tgz(&[
            ("redis/Chart.yaml", b"name: redis\nversion: 1.0.0\n"),
            ("redis/templates/a.yaml", b"\xEF\xBB\xBFkind: A\n"),
            ("redis/files/blob.bin", b"\xFF\xFE"),
        ]);
        let files = unpack(&bytes, BOUNDS).expect("unpacks");
        assert_eq!(
            files.keys().collect::<Vec<_>>(),
            ["Chart.yaml", "templates/a.yaml"]
        );
        assert_eq!(files["templates/a.yaml"], "kind: A\n");
    }

    #[test]
    fn unpacks_nested_archives_under_their_file_name() {
        let inner = tgz(&[("b/Chart.yaml", b"name: b\n")]);
        let outer = tgz(&[
            ("a/Chart.yaml", b"name: a\n"),
            ("a/charts/b-1.0.0.tgz", &inner),
        ]);
        let files = unpack(&outer, BOUNDS).expect("unpacks");
        assert!(
            files.contains_key("charts/b-1.0.0.tgz/Chart.yaml"),
            "{files:?}"
        );
    }

    #[test]
    fn members_keep_their_path_in_the_archive() {
        let inner = tgz(&[
            ("b/Chart.yaml", b"name: b\n"),
            ("b/./values.yaml", b"x: 1\n"),
        ]);
        let outer = tgz(&[
            ("a/Chart.yaml", b"name: a\n"),
            ("a/charts/b-1.0.0.tgz", &inner),
        ]);
        let members = unpack_members(&outer, BOUNDS).expect("unpacks");
        let shown: Vec<(&str, &str)> = members
            .iter()
            .map(|(k, m)| (k.as_str(), m.inner.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("Chart.yaml", "a/Chart.yaml"),
                (
                    "charts/b-1.0.0.tgz/Chart.yaml",
                    "a/charts/b-1.0.0.tgz!/b/Chart.yaml"
                ),
                (
                    "charts/b-1.0.0.tgz/values.yaml",
                    "a/charts/b-1.0.0.tgz!/b/values.yaml"
                ),
            ]
        );
        // The shown path leads back to the renderer's key.
        for (key, member) in &members {
            let shown = format!("charts/a-1.0.0.tgz!/{}", member.inner);
            assert_eq!(chart_key(&shown), format!("charts/a-1.0.0.tgz/{key}"));
        }
        assert_eq!(chart_key("templates/a.yaml"), "templates/a.yaml");
        assert_eq!(chart_key("charts/x.tgz!/"), "charts/x.tgz");
    }

    #[test]
    fn refuses_what_helm_refuses() {
        let escape = tgz(&[("a/Chart.yaml", b"name: a\n"), ("a/../../etc/passwd", b"x")]);
        let e = unpack(&escape, BOUNDS).expect_err("escape");
        assert!(e.contains("leaves the chart's directory"), "{e}");
        let top = tgz(&[("Chart.yaml", b"name: a\n")]);
        assert!(
            unpack(&top, BOUNDS)
                .expect_err("top")
                .contains("top directory")
        );
        let drive = tgz(&[("a\\c:\\x", b"x")]);
        assert!(unpack(&drive, BOUNDS).expect_err("drive").contains("drive"));
        let none = tgz(&[("a/values.yaml", b"a: 1\n")]);
        assert!(
            unpack(&none, BOUNDS)
                .expect_err("none")
                .contains("no Chart.yaml")
        );
        let e = unpack(b"not gzip at all", BOUNDS).expect_err("garbage");
        assert!(e.contains("tar archive"), "{e}");
    }

    #[test]
    fn stops_at_every_bound() {
        let big = vec![b'a'; 4096];
        let bytes = tgz(&[("a/Chart.yaml", b"name: a\n"), ("a/big.txt", &big)]);
        let small = |f: fn(&mut Bounds)| {
            let mut b = BOUNDS;
            f(&mut b);
            unpack(&bytes, b).expect_err("bounded")
        };
        assert!(small(|b| b.file_bytes = 1000).contains("limit of 1000 for one file"));
        assert!(small(|b| b.total_bytes = 2000).contains("decompresses to over 2000"));
        assert!(small(|b| b.entries = 1).contains("more than 1 entries"));
        assert!(small(|b| b.archive_bytes = 10).contains("over the limit of 10"));
        let inner = tgz(&[("b/Chart.yaml", b"name: b\n")]);
        let outer = tgz(&[("a/Chart.yaml", b"name: a\n"), ("a/charts/b.tgz", &inner)]);
        let mut b = BOUNDS;
        b.depth = 1;
        let e = unpack(&outer, b).expect_err("depth");
        assert!(e.contains("nest more than 1 deep"), "{e}");
        // A gzip bomb stops at the decompressed limit, not at its end.
        let zeros = vec![0u8; 1 << 20];
        let bomb = tgz(&[("a/Chart.yaml", b"name: a\n"), ("a/zeros", &zeros)]);
        let mut b = BOUNDS;
        b.total_bytes = 64 << 10;
        let e = unpack(&bomb, b).expect_err("bomb");
        assert!(e.contains("decompresses to over"), "{e}");
    }
}
