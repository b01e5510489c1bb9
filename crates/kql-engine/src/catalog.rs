//! The tables a query can name.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::datasource::empty::EmptyTable;

/// Tables by name. Kusto table names are case-sensitive.
///
/// Besides tables with a provider, a catalog holds *documented* tables: a
/// name and a schema, no rows, so a published query that names them binds
/// and runs (and returns nothing). Their provider is made when a query first
/// names them. Wildcards of `find` and `search` leave them out; a `union`
/// wildcard (`union *`, `union Device*`) carries their columns, as Kusto's
/// union carries every column of every table it reads, but reads no rows
/// from them.
#[derive(Default, Clone)]
pub struct Catalog {
    tables: BTreeMap<String, Entry>,
    remote: RemoteData,
    files: Option<Arc<dyn ExternalFiles>>,
}

/// The local files of `externaldata` and `inline_external_table`: the
/// engine does no IO, so whoever builds the catalog says how they are read
/// (none are read without it).
pub trait ExternalFiles: Send + Sync {
    /// A table over `request.paths`. Text formats give each declared column
    /// as a string (the engine converts it to the declared type); others,
    /// such as Parquet, their own columns, which the engine matches by name.
    fn open(&self, request: &ExternalRequest) -> Result<Arc<dyn TableProvider>, String>;
}

/// The files an external table reads, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalRequest {
    /// Local paths, `file://` removed, in the order the query names them.
    pub paths: Vec<std::path::PathBuf>,
    /// The `format` (`externaldata`) or `dataformat` (`inline_external_table`)
    /// property; `None` to go by the first file's extension.
    pub format: Option<String>,
    /// The declared columns' names, in order.
    pub columns: Vec<String>,
    /// `ignoreFirstRecord=true`: skip each file's first record.
    pub ignore_first_record: bool,
}

/// What `externaldata` does with a URL of remote storage (`https://`, a blob
/// or data lake address): the engine itself does no network IO.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum RemoteData {
    /// An error naming the URL (without its query string): download the
    /// file and name it, or load it as a dataset.
    #[default]
    Refuse,
    /// No rows, with the columns the query declares. For checking that
    /// published queries bind and run over empty tables (the corpus
    /// harness, `examples/bind_corpus.rs`), where outside data is as empty
    /// as the tables; never for a query whose answer is used.
    EmptyForBinding,
}

#[derive(Clone)]
enum Entry {
    Table(Arc<dyn TableProvider>),
    Documented(SchemaRef, Arc<OnceLock<Arc<dyn TableProvider>>>),
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl Catalog {
    /// An empty catalog.
    pub fn new() -> Catalog {
        Catalog::default()
    }

    /// Adds or replaces table `name`.
    pub fn register(&mut self, name: &str, table: Arc<dyn TableProvider>) {
        self.tables.insert(name.to_string(), Entry::Table(table));
    }

    /// Adds `name` as a documented table with no rows, unless a table of
    /// that name is registered already.
    pub fn register_documented(&mut self, name: &str, schema: SchemaRef) {
        self.tables.entry(name.to_string()).or_insert_with(|| Entry::Documented(schema, Arc::default()));
    }

    /// Table `name`, if registered.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn TableProvider>> {
        match self.tables.get(name)? {
            Entry::Table(t) => Some(t),
            Entry::Documented(schema, cell) => {
                Some(cell.get_or_init(|| Arc::new(EmptyTable::new(Arc::clone(schema))) as Arc<dyn TableProvider>))
            }
        }
    }

    /// The schema of table `name`, if registered, without making its provider.
    pub fn schema(&self, name: &str) -> Option<SchemaRef> {
        match self.tables.get(name)? {
            Entry::Table(t) => Some(t.schema()),
            Entry::Documented(schema, _) => Some(Arc::clone(schema)),
        }
    }

    /// Sets what `externaldata` does with remote URLs.
    pub fn set_remote_data(&mut self, remote: RemoteData) {
        self.remote = remote;
    }

    /// What `externaldata` does with remote URLs.
    pub fn remote_data(&self) -> RemoteData {
        self.remote
    }

    /// Sets how the local files of `externaldata` are read.
    pub fn set_external_files(&mut self, files: Arc<dyn ExternalFiles>) {
        self.files = Some(files);
    }

    /// How the local files of `externaldata` are read, if they are.
    pub fn external_files(&self) -> Option<&Arc<dyn ExternalFiles>> {
        self.files.as_ref()
    }

    /// Every table name, documented ones included, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tables.keys().map(String::as_str)
    }

    /// The names a wildcard covers: the tables with a provider, sorted.
    pub fn wildcard_names(&self) -> impl Iterator<Item = &str> {
        self.tables.iter().filter(|(_, e)| matches!(e, Entry::Table(_))).map(|(n, _)| n.as_str())
    }

    /// The documented tables (no provider, no rows) with their schemas,
    /// sorted: what a `union` wildcard adds columns from.
    pub fn documented_schemas(&self) -> impl Iterator<Item = (&str, &SchemaRef)> {
        self.tables.iter().filter_map(|(n, e)| match e {
            Entry::Documented(schema, _) => Some((n.as_str(), schema)),
            Entry::Table(_) => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::datasource::MemTable;

    use super::*;

    fn schema(col: &str) -> SchemaRef {
        Arc::new(Schema::new(vec![Field::new(col, DataType::Int64, true)]))
    }

    #[test]
    fn documented_tables_resolve_but_stay_out_of_wildcards() {
        let mut c = Catalog::new();
        c.register("Filled", Arc::new(MemTable::try_new(schema("a"), vec![vec![]]).unwrap()));
        c.register_documented("Doc", schema("b"));
        c.register_documented("Filled", schema("z"));
        assert_eq!(c.names().collect::<Vec<_>>(), ["Doc", "Filled"]);
        assert_eq!(c.wildcard_names().collect::<Vec<_>>(), ["Filled"]);
        assert_eq!(c.documented_schemas().map(|(n, _)| n).collect::<Vec<_>>(), ["Doc"]);
        assert_eq!(c.get("Doc").unwrap().schema().field(0).name(), "b");
        assert_eq!(c.schema("Filled").unwrap().field(0).name(), "a", "a registered table is not replaced");
        // Registering a provider over a documented table replaces it.
        c.register("Doc", Arc::new(MemTable::try_new(schema("c"), vec![vec![]]).unwrap()));
        assert_eq!(c.wildcard_names().count(), 2);
        assert_eq!(c.get("Doc").unwrap().schema().field(0).name(), "c");
    }
}
