//! The tables a query can name.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::catalog::TableProvider;

/// Tables by name. Kusto table names are case-sensitive.
#[derive(Default, Clone)]
pub struct Catalog {
    tables: BTreeMap<String, Arc<dyn TableProvider>>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.tables.keys()).finish()
    }
}

impl Catalog {
    /// An empty catalog.
    pub fn new() -> Catalog {
        Catalog::default()
    }

    /// Adds or replaces table `name`.
    pub fn register(&mut self, name: &str, table: Arc<dyn TableProvider>) {
        self.tables.insert(name.to_string(), table);
    }

    /// Table `name`, if registered.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn TableProvider>> {
        self.tables.get(name)
    }

    /// Every table name, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tables.keys().map(String::as_str)
    }
}
