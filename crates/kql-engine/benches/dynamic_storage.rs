//! How to store KQL `dynamic`: JSON text in a `LargeUtf8` column (what the
//! engine does) or Arrow/Parquet Variant (`parquet-variant-compute`),
//! measured on the accesses detections make into Kubernetes audit events.
//!
//! ```text
//! cargo bench -p kql-engine --bench dynamic_storage
//! DYNAMIC_ROWS=100000 cargo bench -p kql-engine --bench dynamic_storage -- resource
//! ```
//!
//! The data: `DYNAMIC_ROWS` (default 1,048,576) synthetic `AKSAudit` events
//! in 8192-row batches; `ObjectRef` and `User` are dynamic, as in the table
//! (`{"resource":"pods","namespace":"kube-system","name":…,"apiVersion":"v1"}`,
//! `{"username":"system:serviceaccount:…","groups":[…],"extra":{…}}`), with
//! service accounts, nodes, control-plane components, Entra ID users, a few
//! `system:masters` clients, and null `ObjectRef`s for non-resource URLs.
//!
//! Each operation runs over every row and counts the matches; everything is
//! single-threaded. The same operation is timed on each representation:
//!
//! - `engine`: the KQL query through [`Engine`] over a `MemTable` holding
//!   the JSON text, e.g. `AKSAudit | where ObjectRef.resource == "pods" |
//!   count`: the engine's accessors as they are (each path access parses the
//!   whole value into a `serde_json::Value`), plus DataFusion's filter and
//!   count (`engine/baseline` times the same query shape on a plain string
//!   column).
//! - `json_scan`: a streaming accessor over the same JSON text that follows
//!   only the path it needs and skips the rest without allocating (a serde
//!   visitor, below): what "JSON text with fast accessors" can reach.
//! - `variant`: Variant (binary metadata + value per row) built by
//!   `json_to_variant`, read with `variant_get` to a typed Arrow array.
//! - `shredded`: the same Variant shredded with `shred_variant` (the
//!   crate's shredding): the known fields of `ObjectRef` and `User`
//!   (`groups` as a list of strings) in typed columns, the rest in the
//!   residual `value`; read with the same `variant_get` calls.
//!
//! Also timed: `ingest` (incoming JSON text to each representation) and
//! `parquet_read` (decoding from an in-memory Parquet file what the
//! `resource == "pods"` test needs: the whole JSON text, the whole Variant,
//! or for shredded Variant only the `resource` leaf columns).
//!
//! Before timing, prints each column's size in Arrow memory and in Parquet
//! (zstd), and checks that every representation counts the same rows for
//! every operation.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput, measurement::WallTime};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, LargeStringArray, LargeStringBuilder, RecordBatch, StringArray, StringViewArray,
    StructArray,
};
use datafusion::arrow::compute::kernels::cmp::eq;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Int64Type, Schema};
use datafusion::datasource::MemTable;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::ProjectionMask;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use kql_engine::functions::string::matcher::{MatchMode, Matcher};
use kql_engine::{Catalog, Engine, EngineConfig, QueryOptions};
use parquet_variant::VariantPath;
use parquet_variant_compute::{GetOptions, VariantArray, json_to_variant, shred_variant, variant_get};

const BATCH: usize = 8192;

// ---------------------------------------------------------------------------
// Synthetic audit events
// ---------------------------------------------------------------------------

/// SplitMix64: a small, seeded generator so every run sees the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn hex(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from_digit((self.next() % 16) as u32, 16).unwrap()).collect()
    }
    fn alnum(&mut self, n: usize) -> String {
        const A: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        (0..n).map(|_| A[self.below(A.len())] as char).collect()
    }
    fn guid(&mut self) -> String {
        format!("{}-{}-{}-{}-{}", self.hex(8), self.hex(4), self.hex(4), self.hex(4), self.hex(12))
    }
}

/// Resource, API group, version, namespaced, weight.
const RESOURCES: &[(&str, &str, &str, bool, usize)] = &[
    ("pods", "", "v1", true, 30),
    ("leases", "coordination.k8s.io", "v1", true, 15),
    ("configmaps", "", "v1", true, 10),
    ("secrets", "", "v1", true, 8),
    ("events", "", "v1", true, 6),
    ("deployments", "apps", "v1", true, 6),
    ("nodes", "", "v1", false, 6),
    ("services", "", "v1", true, 4),
    ("replicasets", "apps", "v1", true, 3),
    ("endpointslices", "discovery.k8s.io", "v1", true, 3),
    ("namespaces", "", "v1", false, 2),
    ("serviceaccounts", "", "v1", true, 2),
    ("rolebindings", "rbac.authorization.k8s.io", "v1", true, 1),
    ("clusterrolebindings", "rbac.authorization.k8s.io", "v1", false, 1),
    ("tokenreviews", "authentication.k8s.io", "v1", false, 1),
    ("customresourcedefinitions", "apiextensions.k8s.io", "v1", false, 1),
    ("constrainttemplates", "templates.gatekeeper.sh", "v1beta1", false, 1),
];
const NAMESPACES: &[&str] = &[
    "kube-system",
    "kube-system",
    "kube-system",
    "default",
    "gatekeeper-system",
    "calico-system",
    "monitoring",
    "ingress-nginx",
    "prod-payments",
    "prod-web",
    "dev-team-a",
];
const APPS: &[&str] = &[
    "coredns",
    "metrics-server",
    "konnectivity-agent",
    "azure-ip-masq-agent",
    "cloud-node-manager",
    "nginx-ingress-controller",
    "payments-api",
    "web-frontend",
    "prometheus-server",
    "gatekeeper-audit",
];
const VERBS: &[&str] = &["get", "get", "list", "watch", "watch", "update", "patch", "create", "delete"];

fn object_ref(r: &mut Rng, verb: &str) -> Option<String> {
    // Non-resource URLs (/healthz, /metrics, /openapi/v2) have no ObjectRef.
    if r.chance(3) {
        return None;
    }
    let total: usize = RESOURCES.iter().map(|x| x.4).sum();
    let mut w = r.below(total);
    let &(resource, group, version, namespaced, _) = RESOURCES
        .iter()
        .find(|x| {
            if w < x.4 {
                return true;
            }
            w -= x.4;
            false
        })
        .unwrap();
    let mut s = format!(r#"{{"resource":"{resource}""#);
    if namespaced && !(verb == "list" && r.chance(30)) {
        write!(s, r#","namespace":"{}""#, r.pick(NAMESPACES)).unwrap();
    }
    if !matches!(verb, "list" | "watch") || r.chance(10) {
        let name = match resource {
            "pods" => format!("{}-{}-{}", r.pick(APPS), r.hex(10), r.alnum(5)),
            "nodes" | "leases" if r.chance(60) => format!("aks-nodepool1-{}-vmss{:06}", r.hex(8), r.below(12)),
            _ => format!("{}-{}", r.pick(APPS), r.alnum(5)),
        };
        write!(s, r#","name":"{name}""#).unwrap();
    }
    if matches!(verb, "update" | "patch" | "delete") {
        write!(s, r#","uid":"{}""#, r.guid()).unwrap();
    }
    if !group.is_empty() {
        write!(s, r#","apiGroup":"{group}""#).unwrap();
    }
    write!(s, r#","apiVersion":"{version}""#).unwrap();
    if matches!(verb, "update" | "patch") {
        write!(s, r#","resourceVersion":"{}""#, 1_000_000 + r.below(90_000_000)).unwrap();
    }
    let sub = match resource {
        "pods" if r.chance(4) => Some(r.pick(&["exec", "exec", "attach", "portforward", "ephemeralcontainers"])),
        "pods" if r.chance(25) => Some(r.pick(&["status", "log", "log", "eviction", "binding"])),
        "nodes" if r.chance(40) => Some("status"),
        "deployments" if r.chance(20) => Some("scale"),
        _ => None,
    };
    if let Some(sub) = sub {
        write!(s, r#","subresource":"{sub}""#).unwrap();
    }
    s.push('}');
    Some(s)
}

fn groups(gs: &[&str]) -> String {
    let items: Vec<String> = gs.iter().map(|g| format!("\"{g}\"")).collect();
    format!("[{}]", items.join(","))
}

fn user(r: &mut Rng) -> String {
    let roll = r.below(100);
    if roll < 45 {
        // A service account, often with the bound token's pod in `extra`.
        let ns = r.pick(NAMESPACES);
        let sa =
            r.pick(&["default", "coredns", "metrics-server", "replicaset-controller", "gatekeeper-admin", "builder"]);
        let mut s = format!(
            r#"{{"username":"system:serviceaccount:{ns}:{sa}","uid":"{}","groups":{}"#,
            r.guid(),
            groups(&["system:serviceaccounts", &format!("system:serviceaccounts:{ns}"), "system:authenticated"])
        );
        if r.chance(60) {
            write!(
                s,
                r#","extra":{{"authentication.kubernetes.io/credential-id":["JTI={}"],"authentication.kubernetes.io/node-name":["aks-nodepool1-{}-vmss{:06}"],"authentication.kubernetes.io/pod-name":["{}-{}-{}"],"authentication.kubernetes.io/pod-uid":["{}"]}}"#,
                r.guid(),
                r.hex(8),
                r.below(12),
                r.pick(APPS),
                r.hex(10),
                r.alnum(5),
                r.guid()
            )
            .unwrap();
        }
        s.push('}');
        s
    } else if roll < 65 {
        format!(
            r#"{{"username":"system:node:aks-nodepool1-{}-vmss{:06}","groups":{}}}"#,
            r.hex(8),
            r.below(12),
            groups(&["system:nodes", "system:authenticated"])
        )
    } else if roll < 83 {
        let who = r.pick(&["system:kube-controller-manager", "system:kube-scheduler", "system:apiserver"]);
        let gs: &[&str] = if who == "system:apiserver" { &["system:masters"] } else { &["system:authenticated"] };
        format!(r#"{{"username":"{who}","uid":"{}","groups":{}}}"#, r.guid(), groups(gs))
    } else if roll < 87 {
        // AKS's own clients and the local admin account: system:masters.
        let who = r.pick(&["masterclient", "aksService", "clusterAdmin", "nodeclient"]);
        let gs: &[&str] = if who == "nodeclient" {
            &["system:nodes", "system:authenticated"]
        } else {
            &["system:masters", "system:authenticated"]
        };
        format!(r#"{{"username":"{who}","groups":{}}}"#, groups(gs))
    } else if roll < 98 {
        // Entra ID users: group object ids.
        let name = r.pick(&["alice", "bob", "carol", "dave", "svc-deploy", "serviceaccount-reader"]);
        let mut gs: Vec<String> = (0..1 + r.below(4)).map(|_| r.guid()).collect();
        gs.push("system:authenticated".into());
        let gs: Vec<&str> = gs.iter().map(String::as_str).collect();
        format!(
            r#"{{"username":"{name}@contoso.com","uid":"{}","groups":{},"extra":{{"oid":["{}"]}}}}"#,
            r.guid(),
            groups(&gs),
            r.guid()
        )
    } else {
        format!(r#"{{"username":"system:anonymous","groups":{}}}"#, groups(&["system:unauthenticated"]))
    }
}

/// One representation of the two dynamic columns, batch by batch.
struct Columns {
    object_ref: Vec<ArrayRef>,
    user: Vec<ArrayRef>,
}

struct Data {
    rows: usize,
    verb: Vec<ArrayRef>,
    json: Columns,
    variant: Columns,
    shredded: Columns,
}

fn generate(rows: usize) -> Data {
    let mut r = Rng(0x5eed);
    let (mut verb, mut objects, mut users) = (Vec::new(), Vec::new(), Vec::new());
    let mut done = 0;
    while done < rows {
        let n = BATCH.min(rows - done);
        let mut o = LargeStringBuilder::new();
        let mut u = LargeStringBuilder::new();
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            let vb = r.pick(VERBS);
            v.push(vb);
            o.append_option(object_ref(&mut r, vb));
            u.append_value(user(&mut r));
        }
        verb.push(Arc::new(StringViewArray::from(v)) as ArrayRef);
        objects.push(Arc::new(o.finish()) as ArrayRef);
        users.push(Arc::new(u.finish()) as ArrayRef);
        done += n;
    }
    let json = Columns { object_ref: objects, user: users };
    let variant = Columns {
        object_ref: json.object_ref.iter().map(|a| ArrayRef::from(json_to_variant(a).unwrap())).collect(),
        user: json.user.iter().map(|a| ArrayRef::from(json_to_variant(a).unwrap())).collect(),
    };
    let shredded = Columns {
        object_ref: variant.object_ref.iter().map(|a| shred(a, &object_ref_shape())).collect(),
        user: variant.user.iter().map(|a| shred(a, &user_shape())).collect(),
    };
    Data { rows, verb, json, variant, shredded }
}

fn utf8(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

/// The typed part of a shredded `ObjectRef`.
fn object_ref_shape() -> DataType {
    let names = ["resource", "subresource", "namespace", "name", "uid", "apiGroup", "apiVersion", "resourceVersion"];
    DataType::Struct(names.iter().map(|n| utf8(n)).collect::<Fields>())
}

/// The typed part of a shredded `User` (`extra` stays in the residual value).
fn user_shape() -> DataType {
    DataType::Struct(Fields::from(vec![
        utf8("username"),
        utf8("uid"),
        Field::new("groups", DataType::List(Arc::new(utf8("item"))), true),
    ]))
}

fn shred(a: &ArrayRef, shape: &DataType) -> ArrayRef {
    ArrayRef::from(shred_variant(&VariantArray::try_new(a).unwrap(), shape).unwrap())
}

// ---------------------------------------------------------------------------
// The operations
// ---------------------------------------------------------------------------

const NOW: i64 = 1_795_176_000_000_000_000;

/// An operation as KQL, and the path, test and needle it makes of a dynamic.
struct Op {
    name: &'static str,
    kql: &'static str,
}

const OPS: &[Op] = &[
    Op { name: "resource_eq", kql: r#"AKSAudit | where ObjectRef.resource == "pods" | count"# },
    Op {
        name: "pod_exec",
        kql: r#"AKSAudit | where ObjectRef.resource == "pods" and ObjectRef.subresource == "exec" | count"#,
    },
    Op { name: "username_has", kql: r#"AKSAudit | where User.username has "serviceaccount" | count"# },
    Op { name: "groups_contains", kql: r#"AKSAudit | where set_has_element(User.groups, "system:masters") | count"# },
];

fn has_matcher() -> Matcher {
    Matcher::new(&["serviceaccount".to_string()], MatchMode::Term, false)
}

/// The engine over one `AKSAudit` MemTable holding the JSON text, one partition.
fn engine(d: &Data) -> Engine {
    let schema = Arc::new(Schema::new(vec![
        Field::new("Verb", DataType::Utf8View, true),
        Field::new("User", DataType::LargeUtf8, true),
        Field::new("ObjectRef", DataType::LargeUtf8, true),
    ]));
    let batches = (0..d.verb.len())
        .map(|i| {
            let cols = vec![d.verb[i].clone(), d.json.user[i].clone(), d.json.object_ref[i].clone()];
            RecordBatch::try_new(schema.clone(), cols).unwrap()
        })
        .collect();
    let mut catalog = Catalog::new();
    catalog.register("AKSAudit", Arc::new(MemTable::try_new(schema, vec![batches]).unwrap()));
    Engine::new(catalog, EngineConfig { target_partitions: Some(1), ..EngineConfig::unlimited() })
}

fn run_count(engine: &Engine, rt: &tokio::runtime::Runtime, kql: &str) -> usize {
    let r = rt.block_on(engine.run(kql, QueryOptions { now: NOW })).expect("query runs");
    r[0].batches[0].column(0).as_primitive::<Int64Type>().value(0) as usize
}

/// `json_scan`: the operation on JSON text, one streaming pass per access.
fn json_op(op: &str, cols: &Columns, m: &Matcher) -> usize {
    let is = |a: &LargeStringArray, i: usize, key: &str, want: &str| {
        a.is_valid(i) && json_scan::string_at(a.value(i), &[key]).as_deref() == Some(want)
    };
    let mut n = 0;
    match op {
        "resource_eq" => {
            for a in &cols.object_ref {
                let a = a.as_string::<i64>();
                n += (0..a.len()).filter(|&i| is(a, i, "resource", "pods")).count();
            }
        }
        "pod_exec" => {
            for a in &cols.object_ref {
                // Two accesses, as two column kernels would make them.
                let a = a.as_string::<i64>();
                let pods: Vec<bool> = (0..a.len()).map(|i| is(a, i, "resource", "pods")).collect();
                let exec: Vec<bool> = (0..a.len()).map(|i| is(a, i, "subresource", "exec")).collect();
                n += pods.iter().zip(&exec).filter(|(p, e)| **p && **e).count();
            }
        }
        "username_has" => {
            for a in &cols.user {
                let a = a.as_string::<i64>();
                n += (0..a.len())
                    .filter(|&i| {
                        a.is_valid(i) && json_scan::string_at(a.value(i), &["username"]).is_some_and(|s| m.any(&s))
                    })
                    .count();
            }
        }
        "groups_contains" => {
            for a in &cols.user {
                let a = a.as_string::<i64>();
                n += (0..a.len())
                    .filter(|&i| a.is_valid(i) && json_scan::array_has(a.value(i), &["groups"], "system:masters"))
                    .count();
            }
        }
        _ => unreachable!(),
    }
    n
}

fn get(a: &ArrayRef, path: &str, as_type: DataType) -> ArrayRef {
    let field: FieldRef = Arc::new(Field::new("v", as_type, true));
    variant_get(a, GetOptions::new_with_path(VariantPath::try_from(path).unwrap()).with_as_type(Some(field)))
        .expect("variant_get")
}

fn count_eq(a: &ArrayRef, path: &str, want: &str) -> Vec<bool> {
    let s = get(a, path, DataType::Utf8);
    let hit = eq(&s, &StringArray::new_scalar(want)).unwrap();
    (0..hit.len()).map(|i| hit.is_valid(i) && hit.value(i)).collect()
}

/// `variant` and `shredded`: the operation with `variant_get`.
fn variant_op(op: &str, cols: &Columns, shredded: bool, m: &Matcher) -> usize {
    let mut n = 0;
    match op {
        "resource_eq" => {
            for a in &cols.object_ref {
                n += count_eq(a, "resource", "pods").iter().filter(|x| **x).count();
            }
        }
        "pod_exec" => {
            for a in &cols.object_ref {
                let pods = count_eq(a, "resource", "pods");
                let exec = count_eq(a, "subresource", "exec");
                n += pods.iter().zip(&exec).filter(|(p, e)| **p && **e).count();
            }
        }
        "username_has" => {
            for a in &cols.user {
                let s = get(a, "username", DataType::Utf8);
                let s = s.as_string::<i32>();
                n += s.iter().filter(|v| v.is_some_and(|v| m.any(v))).count();
            }
        }
        "groups_contains" => {
            for a in &cols.user {
                let l = if shredded {
                    // On shredded input, `variant_get` as a list of strings gives
                    // all nulls in 59.3.2 (`VariantArray::value` reads a shredded
                    // list or object as Variant::Null), so take the path's shredded
                    // column and read its typed elements: `List<{value, typed_value}>`.
                    let g = variant_get(a, GetOptions::new_with_path(VariantPath::try_from("groups").unwrap()))
                        .expect("variant_get");
                    VariantArray::try_new(&g).unwrap().typed_value_column().expect("groups is shredded").clone()
                } else {
                    get(a, "groups", DataType::List(Arc::new(utf8("item"))))
                };
                let l = l.as_list::<i32>();
                let items = match l.values().as_struct_opt() {
                    Some(elements) => elements.column_by_name("typed_value").unwrap().as_string::<i32>(),
                    None => l.values().as_string::<i32>(),
                };
                let offs = l.value_offsets();
                n += (0..l.len())
                    .filter(|&i| {
                        l.is_valid(i)
                            && (offs[i] as usize..offs[i + 1] as usize)
                                .any(|j| items.is_valid(j) && items.value(j) == "system:masters")
                    })
                    .count();
            }
        }
        _ => unreachable!(),
    }
    n
}

// ---------------------------------------------------------------------------
// Ingest and Parquet
// ---------------------------------------------------------------------------

/// The project's ingest of a dynamic value today (`telemetry::dataset`):
/// parse into a `serde_json::Value`, write it back as compact JSON text.
fn ingest_json(a: &ArrayRef) -> ArrayRef {
    let a = a.as_string::<i64>();
    let mut b = LargeStringBuilder::with_capacity(a.len(), a.value_data().len());
    for v in a.iter() {
        b.append_option(v.map(|t| serde_json::from_str::<serde_json::Value>(t).unwrap().to_string()));
    }
    Arc::new(b.finish())
}

fn parquet_bytes(name: &str, cols: &[ArrayRef]) -> Bytes {
    let field = Field::new(name, cols[0].data_type().clone(), true);
    let schema = Arc::new(Schema::new(vec![field]));
    let props = WriterProperties::builder().set_compression(Compression::ZSTD(ZstdLevel::default())).build();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, schema.clone(), Some(props)).unwrap();
    for c in cols {
        w.write(&RecordBatch::try_new(schema.clone(), vec![c.clone()]).unwrap()).unwrap();
    }
    w.close().unwrap();
    Bytes::from(out)
}

/// Reads the leaf columns of `file` whose dotted paths start with one of
/// `prefixes` (all of them when empty); returns the rows read.
fn read_parquet(file: &Bytes, prefixes: &[&str]) -> Vec<RecordBatch> {
    let b = ParquetRecordBatchReaderBuilder::try_new(file.clone()).unwrap().with_batch_size(BATCH);
    let b = if prefixes.is_empty() {
        b
    } else {
        let schema = b.parquet_schema();
        let leaves = (0..schema.num_columns())
            .filter(|&i| prefixes.iter().any(|p| schema.column(i).path().string().starts_with(p)));
        let mask = ProjectionMask::leaves(schema, leaves);
        b.with_projection(mask)
    };
    b.build().unwrap().map(|r| r.unwrap()).collect()
}

/// Counts `resource == "pods"` in batches read by `read_parquet` from a
/// shredded `ObjectRef` holding only `typed_value.resource`: the typed
/// strings, and the residual value where a row's `resource` was not one.
fn count_shredded_leaf(batches: &[RecordBatch]) -> usize {
    let mut n = 0;
    for b in batches {
        let col: &StructArray = b.column(0).as_struct();
        let resource = col.column_by_name("typed_value").unwrap().as_struct().column_by_name("resource").unwrap();
        let resource = resource.as_struct();
        let typed = resource.column_by_name("typed_value").unwrap();
        let residual = resource.column_by_name("value").unwrap();
        assert_eq!(residual.null_count(), residual.len(), "every resource is a string");
        n += eq(typed, &StringArray::new_scalar("pods")).unwrap().true_count();
    }
    n
}

// ---------------------------------------------------------------------------
// Running it
// ---------------------------------------------------------------------------

fn mib(n: usize) -> String {
    format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
}

fn print_sizes(d: &Data) -> Vec<(&'static str, Bytes)> {
    let mem = |cols: &[ArrayRef]| cols.iter().map(|a| a.to_data().get_slice_memory_size().unwrap()).sum::<usize>();
    let mut files = Vec::new();
    println!("\n{} rows; size of each column (Arrow in memory, Parquet zstd):", d.rows);
    for (label, c) in [("json", &d.json), ("variant", &d.variant), ("shredded", &d.shredded)] {
        for (col, arrays) in [("ObjectRef", &c.object_ref), ("User", &c.user)] {
            let file = parquet_bytes(col, arrays);
            println!("  {label:<9} {col:<10} arrow {:>10}   parquet {:>10}", mib(mem(arrays)), mib(file.len()));
            if col == "ObjectRef" {
                files.push((label, file));
            }
        }
    }
    files
}

fn check_counts(d: &Data, engine: &Engine, rt: &tokio::runtime::Runtime) {
    let m = has_matcher();
    println!("\nmatches per operation (engine / json_scan / variant / shredded):");
    for op in OPS {
        let counts = [
            run_count(engine, rt, op.kql),
            json_op(op.name, &d.json, &m),
            variant_op(op.name, &d.variant, false, &m),
            variant_op(op.name, &d.shredded, true, &m),
        ];
        println!("  {:<16} {counts:?}", op.name);
        assert!(counts.iter().all(|c| *c == counts[0]), "{}: representations disagree: {counts:?}", op.name);
        assert!(counts[0] > 0 && counts[0] < d.rows, "{}: a test should pick some rows", op.name);
    }
    let as_list = DataType::List(Arc::new(utf8("item")));
    let non_null: usize = d
        .shredded
        .user
        .iter()
        .map(|a| {
            let l = get(a, "groups", as_list.clone());
            l.len() - l.null_count()
        })
        .sum();
    println!("  (variant_get of User.groups as List<Utf8> on shredded input: {non_null} of {} rows non-null)", d.rows);
}

fn group<'a>(c: &'a mut Criterion, name: &str, rows: usize) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sampling_mode(SamplingMode::Flat).throughput(Throughput::Elements(rows as u64));
    g
}

fn main() {
    let test_mode = std::env::args().any(|a| a == "--test");
    let rows = std::env::var("DYNAMIC_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(if test_mode {
        20_000
    } else {
        1 << 20
    });
    let d = generate(rows);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let engine = engine(&d);
    let files = print_sizes(&d);
    check_counts(&d, &engine, &rt);
    let m = has_matcher();

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();

    for op in OPS {
        let mut g = group(&mut c, op.name, rows);
        g.bench_function("engine", |b| b.iter(|| run_count(&engine, &rt, op.kql)));
        g.bench_function("json_scan", |b| b.iter(|| json_op(op.name, &d.json, &m)));
        g.bench_function("variant", |b| b.iter(|| variant_op(op.name, &d.variant, false, &m)));
        g.bench_function("shredded", |b| b.iter(|| variant_op(op.name, &d.shredded, true, &m)));
        g.finish();
    }
    {
        let mut g = group(&mut c, "baseline", rows);
        g.bench_function("engine", |b| {
            b.iter(|| run_count(&engine, &rt, r#"AKSAudit | where Verb == "create" | count"#))
        });
        g.finish();
    }

    // From the incoming JSON text of both columns.
    let incoming: Vec<&ArrayRef> = d.json.object_ref.iter().chain(&d.json.user).collect();
    {
        let mut g = group(&mut c, "ingest", rows);
        g.bench_function("json", |b| b.iter(|| incoming.iter().map(|a| ingest_json(a).len()).sum::<usize>()));
        g.bench_function("variant", |b| {
            b.iter(|| incoming.iter().map(|a| json_to_variant(a).unwrap().len()).sum::<usize>())
        });
        g.bench_function("shredded", |b| {
            b.iter(|| {
                let o = d
                    .json
                    .object_ref
                    .iter()
                    .map(|a| shred(&ArrayRef::from(json_to_variant(a).unwrap()), &object_ref_shape()).len());
                let u = d
                    .json
                    .user
                    .iter()
                    .map(|a| shred(&ArrayRef::from(json_to_variant(a).unwrap()), &user_shape()).len());
                o.sum::<usize>() + u.sum::<usize>()
            })
        });
        g.finish();
    }

    // Decoding ObjectRef from Parquet for `resource == "pods"`.
    {
        let file = |label: &str| files.iter().find(|(l, _)| *l == label).map(|(_, f)| f).unwrap();
        let expected = json_op("resource_eq", &d.json, &m);
        assert_eq!(count_shredded_leaf(&read_parquet(file("shredded"), &["ObjectRef.typed_value.resource"])), expected);
        let mut g = group(&mut c, "parquet_read", rows);
        g.bench_function("json", |b| b.iter(|| read_parquet(file("json"), &[]).len()));
        g.bench_function("variant", |b| b.iter(|| read_parquet(file("variant"), &[]).len()));
        g.bench_function("shredded_all", |b| b.iter(|| read_parquet(file("shredded"), &[]).len()));
        g.bench_function("shredded_resource_leaf", |b| {
            b.iter(|| read_parquet(file("shredded"), &["ObjectRef.typed_value.resource"]).len())
        });
        g.finish();
    }
    c.final_summary();
}

/// A streaming accessor for JSON text: follows object keys and hands the
/// value found to a leaf reader, skipping every other value with
/// `IgnoredAny` (validated, never built). A missing key, a value of another
/// type, or text that is not JSON reads as a miss.
mod json_scan {
    use super::Cow;
    use serde::de::{Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    /// The string at `path`, borrowed from `text` unless it has escapes.
    pub fn string_at<'t>(text: &'t str, path: &[&str]) -> Option<Cow<'t, str>> {
        walk(text, path, StringLeaf)
    }

    /// Whether the array at `path` has the string `needle` as an element.
    pub fn array_has(text: &str, path: &[&str], needle: &str) -> bool {
        walk(text, path, ContainsLeaf(needle))
    }

    /// What to read at the end of a path.
    trait Leaf<'de>: Copy {
        type Out: Default;
        fn read<D: Deserializer<'de>>(self, d: D) -> Result<Self::Out, D::Error>;
    }

    fn walk<'t, L: Leaf<'t>>(text: &'t str, path: &[&str], leaf: L) -> L::Out {
        let mut de = serde_json::Deserializer::from_str(text);
        Walk { path, leaf }.deserialize(&mut de).unwrap_or_default()
    }

    struct Walk<'p, L> {
        path: &'p [&'p str],
        leaf: L,
    }

    impl<'de, L: Leaf<'de>> DeserializeSeed<'de> for Walk<'_, L> {
        type Value = L::Out;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<L::Out, D::Error> {
            if self.path.is_empty() { self.leaf.read(d) } else { d.deserialize_map(self) }
        }
    }

    impl<'de, L: Leaf<'de>> Visitor<'de> for Walk<'_, L> {
        type Value = L::Out;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<L::Out, A::Error> {
            let mut out = L::Out::default();
            while let Some(Text(k)) = m.next_key()? {
                if k == self.path[0] {
                    out = m.next_value_seed(Walk { path: &self.path[1..], leaf: self.leaf })?;
                } else {
                    m.next_value::<IgnoredAny>()?;
                }
            }
            Ok(out)
        }
    }

    #[derive(Clone, Copy)]
    struct StringLeaf;

    impl<'de> Leaf<'de> for StringLeaf {
        type Out = Option<Cow<'de, str>>;
        fn read<D: Deserializer<'de>>(self, d: D) -> Result<Self::Out, D::Error> {
            Ok(Some(Text::deserialize(d)?.0))
        }
    }

    #[derive(Clone, Copy)]
    struct ContainsLeaf<'n>(&'n str);

    impl<'de> Leaf<'de> for ContainsLeaf<'_> {
        type Out = bool;
        fn read<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
            d.deserialize_seq(self)
        }
    }

    impl<'de> Visitor<'de> for ContainsLeaf<'_> {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<bool, A::Error> {
            let mut found = false;
            while let Some(e) = s.next_element::<Element>()? {
                found |= e.0.is_some_and(|e| e == self.0);
            }
            Ok(found)
        }
    }

    /// A string, borrowed when the text has no escapes.
    struct Text<'t>(Cow<'t, str>);

    impl<'de> Deserialize<'de> for Text<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_str(TextVisitor)
        }
    }

    struct TextVisitor;

    impl<'de> Visitor<'de> for TextVisitor {
        type Value = Text<'de>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Text<'de>, E> {
            Ok(Text(Cow::Borrowed(s)))
        }
        fn visit_str<E>(self, s: &str) -> Result<Text<'de>, E> {
            Ok(Text(Cow::Owned(s.to_string())))
        }
    }

    /// An array element: its text if it is a string, skipped otherwise.
    struct Element<'t>(Option<Cow<'t, str>>);

    impl<'de> Deserialize<'de> for Element<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(ElementVisitor)
        }
    }

    struct ElementVisitor;

    impl<'de> Visitor<'de> for ElementVisitor {
        type Value = Element<'de>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any value")
        }
        fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Element<'de>, E> {
            Ok(Element(Some(Cow::Borrowed(s))))
        }
        fn visit_str<E>(self, s: &str) -> Result<Element<'de>, E> {
            Ok(Element(Some(Cow::Owned(s.to_string()))))
        }
        fn visit_bool<E>(self, _: bool) -> Result<Element<'de>, E> {
            Ok(Element(None))
        }
        fn visit_i64<E>(self, _: i64) -> Result<Element<'de>, E> {
            Ok(Element(None))
        }
        fn visit_u64<E>(self, _: u64) -> Result<Element<'de>, E> {
            Ok(Element(None))
        }
        fn visit_f64<E>(self, _: f64) -> Result<Element<'de>, E> {
            Ok(Element(None))
        }
        fn visit_unit<E>(self) -> Result<Element<'de>, E> {
            Ok(Element(None))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Element<'de>, A::Error> {
            while s.next_element::<IgnoredAny>()?.is_some() {}
            Ok(Element(None))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Element<'de>, A::Error> {
            while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Element(None))
        }
    }
}
