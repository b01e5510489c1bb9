//! Filters over a Parquet table, whose string columns are decoded from
//! dictionaries into views that repeat: the answers must be those of the
//! same rows held in memory, nulls included (a null string is "" to every
//! KQL operator).

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampNanosecondArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::datasource::MemTable;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::file::properties::WriterProperties;
use kql_engine::{Catalog, Engine, EngineConfig, QueryOptions};

const NOW: i64 = 1_700_000_000_000_000_000;

/// 40 rows: names and command lines cycling through values with nulls and
/// mixed case, times an hour apart before `NOW`.
fn rows() -> RecordBatch {
    let names = [Some("kubectl"), None, Some("DOCKER"), Some(""), Some("bash"), Some("Kubectl")];
    let cmds = [
        Some("kubectl exec -it web -- sh"),
        Some("docker ps"),
        None,
        Some("kubectl get secrets -A"),
        Some("EXECUTE order"),
        Some(""),
        Some("bash -c 'kubectl get pods'"),
    ];
    let n = 40;
    let schema = Schema::new(vec![
        Field::new("Timestamp", DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())), true),
        Field::new("FileName", DataType::Utf8, true),
        Field::new("Cmd", DataType::Utf8, true),
        Field::new("N", DataType::Int64, true),
    ]);
    let hour = 3_600_000_000_000i64;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(TimestampNanosecondArray::from_iter_values((0..n).map(|i| NOW - i * hour)).with_timezone("UTC")),
        Arc::new(StringArray::from_iter((0..n as usize).map(|i| names[i % names.len()]))),
        Arc::new(StringArray::from_iter((0..n as usize).map(|i| cmds[i % cmds.len()]))),
        Arc::new(Int64Array::from_iter_values(0..n)),
    ];
    RecordBatch::try_new(Arc::new(schema), columns).unwrap()
}

/// An engine with the rows as Parquet (`P`, small row groups and pages),
/// as the Parquet files of `DeviceProcessEvents`, and in memory (`M`).
fn engine(dir: &std::path::Path) -> Engine {
    let batch = rows();
    let folder = dir.join("P");
    std::fs::create_dir_all(&folder).unwrap();
    let props =
        WriterProperties::builder().set_max_row_group_row_count(Some(16)).set_data_page_row_count_limit(4).build();
    let file = std::fs::File::create(folder.join("part-0.parquet")).unwrap();
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    // The same names and rows, with `N` as `ProcessId`, as a table with a
    // documented schema: its other columns are in no file.
    let folder = dir.join("DeviceProcessEvents");
    std::fs::create_dir_all(&folder).unwrap();
    let renamed = Schema::new(vec![
        batch.schema().field(0).clone(),
        batch.schema().field(1).clone(),
        Field::new("ProcessCommandLine", DataType::Utf8, true),
        Field::new("ProcessId", DataType::Int64, true),
    ]);
    let renamed = RecordBatch::try_new(Arc::new(renamed), batch.columns().to_vec()).unwrap();
    let file = std::fs::File::create(folder.join("part-0.parquet")).unwrap();
    let mut w = ArrowWriter::try_new(file, renamed.schema(), None).unwrap();
    w.write(&renamed).unwrap();
    w.close().unwrap();
    let mut catalog = Catalog::new();
    for (name, table) in telemetry::dataset::open_dir(dir).unwrap().tables {
        catalog.register(&name, table);
    }
    catalog.register("M", Arc::new(MemTable::try_new(batch.schema(), vec![vec![batch]]).unwrap()));
    Engine::new(catalog, EngineConfig { target_partitions: Some(2), ..EngineConfig::unlimited() })
}

fn numbers(engine: &Engine, rt: &tokio::runtime::Runtime, q: &str) -> Vec<i64> {
    let res = rt.block_on(engine.run(q, QueryOptions { now: NOW })).unwrap_or_else(|e| panic!("{q}: {e}"));
    let mut out: Vec<i64> = res[0]
        .batches
        .iter()
        .flat_map(|b| b.column(0).as_any().downcast_ref::<Int64Array>().unwrap().values().to_vec())
        .collect();
    out.sort();
    out
}

#[test]
fn filters_over_a_parquet_table_answer_as_in_memory() {
    let dir = std::env::temp_dir().join(format!("kql-engine-parquet-scan-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let engine = engine(&dir);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let filters = [
        r#"FileName in~ ("kubectl", "docker")"#,
        r#"FileName !in~ ("kubectl", "bash")"#,
        r#"FileName =~ "KUBECTL" and Cmd has "exec""#,
        r#"isempty(FileName)"#,
        r#"FileName == """#,
        r#"Cmd !has "exec""#,
        r#"Cmd has_any ("get secrets", "-it") or N > 30"#,
        r#"Cmd contains "ec" and Timestamp > ago(12h)"#,
        r#"Timestamp > ago(1d) and (FileName in~ ("kubectl") or Cmd has "docker")"#,
        r#"N % 3 == 0 and Cmd startswith "kub""#,
        r#"Cmd matches regex "e.e" or isnull(N)"#,
        r#"strlen(Cmd) < 5"#,
    ];
    for f in filters {
        let parquet = numbers(&engine, &rt, &format!("P | where {f} | project N"));
        let memory = numbers(&engine, &rt, &format!("M | where {f} | project N"));
        assert_eq!(parquet, memory, "where {f}");
        assert!(!memory.is_empty() && memory.len() < 40, "where {f} selects some rows: {memory:?}");
    }
    // A table's documented columns that its files lack read as null: a
    // filter on one in the scan sees "" (strings) or null.
    let both = |f: &str| {
        let all = numbers(&engine, &rt, &format!("DeviceProcessEvents | where {f} | project ProcessId"));
        let memory = numbers(&engine, &rt, "M | where FileName =~ 'kubectl' | project N");
        assert_eq!(all, memory, "where {f}");
    };
    both(r#"FileName =~ "kubectl" and isempty(FolderPath)"#);
    both(r#"FolderPath !has "x" and FileName =~ "kubectl""#);
    both(r#"FileName =~ "kubectl" and isnull(ProcessId) == false and SHA1 == """#);
    let none = numbers(&engine, &rt, r#"DeviceProcessEvents | where FolderPath has "x" | project ProcessId"#);
    assert!(none.is_empty(), "{none:?}");
    let plan =
        rt.block_on(engine.explain_analyze(r#"P | where Cmd has "exec" | project N"#, QueryOptions { now: NOW }));
    let plan = plan.unwrap().concat();
    assert!(plan.contains("FilterExec: has(Cmd"), "the filter reads the column itself, without a wrapper:\n{plan}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Writes `times` (in `unit`) with `ProcessId` 0.. as a Parquet file.
fn write_times(path: &std::path::Path, unit: TimeUnit, times: &[i64], first_id: i64) {
    use datafusion::arrow::array::{TimestampMicrosecondArray, TimestampNanosecondArray as Ns};
    let column: ArrayRef = match unit {
        TimeUnit::Microsecond => Arc::new(TimestampMicrosecondArray::from(times.to_vec()).with_timezone("UTC")),
        _ => Arc::new(Ns::from(times.to_vec()).with_timezone("UTC")),
    };
    let schema = Schema::new(vec![
        Field::new("Timestamp", DataType::Timestamp(unit, Some("UTC".into())), false),
        Field::new("ProcessId", DataType::Int64, false),
    ]);
    let ids = Int64Array::from_iter_values(first_id..first_id + times.len() as i64);
    let batch = RecordBatch::try_new(Arc::new(schema), vec![column, Arc::new(ids)]).unwrap();
    let mut w = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// `ProcessId` and `Timestamp` (as nanoseconds) of `q`'s rows, by id.
fn ids_and_times(engine: &Engine, rt: &tokio::runtime::Runtime, q: &str) -> Vec<(i64, i64)> {
    let res = rt.block_on(engine.run(q, QueryOptions { now: NOW })).unwrap_or_else(|e| panic!("{q}: {e}"));
    let mut out = Vec::new();
    for b in &res[0].batches {
        let ids = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
        let ts = b.column(1).as_any().downcast_ref::<TimestampNanosecondArray>().expect("datetime as nanoseconds");
        out.extend(ids.values().iter().copied().zip(ts.values().iter().copied()));
    }
    out.sort();
    out
}

/// Timestamps that files keep in microseconds: the table keeps their unit,
/// the query sees nanoseconds, and comparisons with constants, exact or
/// between two microseconds, answer as over nanoseconds, as they do over
/// nanosecond files. A folder whose files disagree on the unit is refused.
#[test]
fn microsecond_timestamps_compare_as_nanoseconds() {
    let dir = std::env::temp_dir().join(format!("kql-engine-parquet-us-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let us: Vec<i64> = (0..50).map(|i| NOW / 1000 - i * 1_700_001 - 3).collect();
    let ns_times: Vec<i64> = (0..10).map(|i| NOW - i * 999_999_999 - 7).collect();
    let table = dir.join("one/DeviceProcessEvents");
    std::fs::create_dir_all(table.join("day2")).unwrap();
    write_times(&table.join("part-0.parquet"), TimeUnit::Microsecond, &us[..25], 0);
    write_times(&table.join("day2/part-1.parquet"), TimeUnit::Microsecond, &us[25..], 25);
    let ns = dir.join("ns/DeviceProcessEvents");
    std::fs::create_dir_all(&ns).unwrap();
    write_times(&ns.join("b.parquet"), TimeUnit::Nanosecond, &ns_times, 100);
    let mixed = dir.join("mixed/DeviceProcessEvents");
    std::fs::create_dir_all(&mixed).unwrap();
    write_times(&mixed.join("a.parquet"), TimeUnit::Microsecond, &us, 0);
    write_times(&mixed.join("b.parquet"), TimeUnit::Nanosecond, &ns_times, 100);
    let refused = telemetry::dataset::open_dir(&dir.join("mixed")).map(|_| ()).unwrap_err().to_string();
    assert!(refused.contains("b.parquet: stores `Timestamp` as Timestamp(ns"), "{refused}");
    assert!(
        refused.contains("a.parquet as Timestamp(µs") || refused.contains("a.parquet as Timestamp(us"),
        "{refused}"
    );
    // A file that is not Parquet is named when the folder is opened.
    let bad = dir.join("bad/DeviceProcessEvents");
    std::fs::create_dir_all(&bad).unwrap();
    write_times(&bad.join("a.parquet"), TimeUnit::Microsecond, &us, 0);
    std::fs::write(bad.join("b.parquet"), "Zeitstempel ☃, not Parquet").unwrap();
    let refused = telemetry::dataset::open_dir(&dir.join("bad")).map(|_| ()).unwrap_err().to_string();
    assert!(refused.contains("b.parquet: not a Parquet file"), "{refused}");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();

    let open = |root: &std::path::Path| {
        let mut catalog = Catalog::new();
        for (name, table) in telemetry::dataset::open_dir(root).unwrap().tables {
            catalog.register(&name, table);
        }
        Engine::new(catalog, EngineConfig { target_partitions: Some(2), ..EngineConfig::unlimited() })
    };
    let datetime = |ns: i64| {
        let t = jiff::Timestamp::from_nanosecond(ns as i128).unwrap();
        format!("datetime({})", t.strftime("%Y-%m-%dT%H:%M:%S%.9fZ"))
    };
    let all: Vec<(i64, i64)> = us.iter().enumerate().map(|(i, t)| (i as i64, t * 1000)).collect();
    let ns_all: Vec<(i64, i64)> = ns_times.iter().enumerate().map(|(i, t)| (100 + i as i64, *t)).collect();
    for (engine, rows) in [(open(&dir.join("one")), &all), (open(&dir.join("ns")), &ns_all)] {
        let pivot = us[20] * 1000;
        for (op, lit) in [
            (">", pivot),
            (">=", pivot),
            ("<", pivot),
            ("==", pivot),
            ("!=", pivot),
            // Between two microseconds: no row equals it, and `>` and `>=` agree.
            (">", pivot + 500),
            (">=", pivot + 500),
            ("==", pivot + 500),
            ("<=", pivot - 1),
            // The last datetime, and just after the first day the engine
            // takes (1677-09-22), neither a whole microsecond.
            (">", i64::MAX),
            ("<=", i64::MAX),
            ("==", i64::MAX),
            ("<", -9_223_286_400_000_000_000 + 500),
            (">=", -9_223_286_400_000_000_000 + 500),
        ] {
            let q =
                format!("DeviceProcessEvents | where Timestamp {op} {} | project ProcessId, Timestamp", datetime(lit));
            let want: Vec<(i64, i64)> = rows
                .iter()
                .copied()
                .filter(|(_, t)| match op {
                    ">" => *t > lit,
                    ">=" => *t >= lit,
                    "<" => *t < lit,
                    "<=" => *t <= lit,
                    "==" => *t == lit,
                    _ => *t != lit,
                })
                .collect();
            assert_eq!(ids_and_times(&engine, &rt, &q), want, "{q}");
        }
        let (between, exact, upper) = (datetime(pivot + 500), datetime(pivot), us[10] * 1000 + 500);
        let lists = [
            (format!("in ({exact}, {between})"), rows.iter().filter(|r| r.1 == pivot).copied().collect::<Vec<_>>()),
            (format!("in ({between})"), vec![]),
            (format!("!in ({between})"), rows.clone()),
            (format!("!in ({exact}, {between})"), rows.iter().filter(|r| r.1 != pivot).copied().collect()),
            (
                format!("between ({between} .. {})", datetime(upper)),
                rows.iter().filter(|r| r.1 >= pivot + 500 && r.1 <= upper).copied().collect(),
            ),
        ];
        for (test, want) in lists {
            let q = format!("DeviceProcessEvents | where Timestamp {test} | project ProcessId, Timestamp");
            assert_eq!(ids_and_times(&engine, &rt, &q), want, "{q}");
        }
        // As a value, not a filter: false for every row.
        let q = format!(
            "DeviceProcessEvents | extend b = Timestamp == {between} | where b == false | project ProcessId, Timestamp"
        );
        assert_eq!(ids_and_times(&engine, &rt, &q), *rows, "{q}");
        for (op, test) in [(">=", (|t, l| t >= l) as fn(i64, i64) -> bool), ("<", |t, l| t < l), ("!=", |t, l| t != l)]
        {
            let q = format!(
                "DeviceProcessEvents | extend b = Timestamp {op} {between} | where b == true | project ProcessId, Timestamp"
            );
            let want: Vec<(i64, i64)> = rows.iter().filter(|r| test(r.1, pivot + 500)).copied().collect();
            assert_eq!(ids_and_times(&engine, &rt, &q), want, "{q}");
        }
        let q = "DeviceProcessEvents | where Timestamp > ago(1h) | summarize max(Timestamp)";
        let res = rt.block_on(engine.run(q, QueryOptions { now: NOW })).unwrap();
        let max = res[0].batches[0].column(0).as_any().downcast_ref::<TimestampNanosecondArray>().unwrap().value(0);
        assert_eq!(max, rows.iter().map(|r| r.1).max().unwrap(), "{q}");
    }
    // Over microsecond files the filter compares the files' values as they are.
    let engine = open(&dir.join("one"));
    let q = format!("DeviceProcessEvents | where Timestamp > {} | project ProcessId", datetime(us[20] * 1000));
    let plan = rt.block_on(engine.explain_analyze(&q, QueryOptions { now: NOW })).unwrap().concat();
    assert!(plan.contains(&format!("FilterExec: Timestamp@0 > {}", us[20])), "{plan}");
    let _ = std::fs::remove_dir_all(&dir);
}
