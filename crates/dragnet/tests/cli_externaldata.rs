//! `externaldata` over local files from the command line
//! (externaldata-operator.md): CSV, TSV, text, JSON and Parquet, by the
//! `format` property or the extension, each cell converted to its declared
//! type as KQL converts; an unreadable record fails with its file and line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dragnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dragnet")).args(args).output().expect("run dragnet")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh folder for one test's files.
fn folder(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dragnet-cli-externaldata-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp folder");
    d
}

fn query(q: &str) -> Output {
    dragnet(&["query", "-q", "--format", "csv", q])
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn csv_with_a_header_converts_each_cell_to_its_declared_type() {
    let d = folder("csv");
    let f = d.join("iocs.csv");
    std::fs::write(
        &f,
        "Ioc,Score,Seen,Tags,Active\nevil.example,90,2024-01-05T01:02:03Z,\"[\"\"c2\"\"]\",true\nbad.example,x,,,\n",
    )
    .unwrap();
    let q = format!(
        "externaldata (Ioc:string, Score:long, Seen:datetime, Tags:dynamic, Active:bool) ['{}'] \
         with (format='csv', ignoreFirstRecord=true) \
         | project Ioc, Score, Seen, Tag = tostring(Tags[0]), Active, NoScore = isnull(Score)",
        path(&f)
    );
    let o = query(&q);
    assert_eq!(
        text(&o.stdout),
        "Ioc,Score,Seen,Tag,Active,NoScore\nevil.example,90,2024-01-05T01:02:03.0000000Z,c2,true,false\n\
         bad.example,,,,,true\n",
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn json_text_and_file_urls_by_extension() {
    let d = folder("json");
    let j = d.join("events.json");
    std::fs::write(&j, "{\"User\": \"ö\", \"N\": 3}\n{\n  \"User\": \"b\"\n}\n").unwrap();
    let q = format!(
        "externaldata (User:string, N:int) ['file://{}'] | summarize Users = make_list(User), Total = sum(N)",
        path(&j)
    );
    let o = query(&q);
    assert_eq!(text(&o.stdout), "Users,Total\n\"[\"\"ö\"\",\"\"b\"\"]\",3\n", "{}", text(&o.stderr));

    let t = d.join("lines.txt");
    std::fs::write(&t, "a, b\nc\n").unwrap();
    let o = query(&format!("externaldata (Line:string) ['{}'] | count", path(&t)));
    assert_eq!(text(&o.stdout), "Count\n2\n", "{}", text(&o.stderr));
}

#[test]
fn unreadable_records_and_missing_files_are_errors_that_name_them() {
    let d = folder("bad");
    let j = d.join("broken.json");
    std::fs::write(&j, "{\"A\": 1}\n{\"A\": \n").unwrap();
    let o = query(&format!("externaldata (A:long) ['{}']", path(&j)));
    assert_ne!(o.status.code(), Some(0));
    let err = text(&o.stderr);
    assert!(err.contains("broken.json") && err.contains("line 3") && err.contains("not JSON"), "{err}");

    let missing = d.join("nope.csv");
    let o = query(&format!("externaldata (A:long) ['{}']", path(&missing)));
    assert_ne!(o.status.code(), Some(0));
    assert!(text(&o.stderr).contains("nope.csv: no such file"), "{}", text(&o.stderr));

    let o = query(&format!("externaldata (A:long) ['{}'] with (format='xml')", path(&j)));
    assert!(text(&o.stderr).contains("unknown data format `xml`"), "{}", text(&o.stderr));
}
