//! Fuzzes the engine with well-typed KQL generated from the input bytes
//! (`kql_gen`), over the tables `T` and `U`, with differential oracles
//! (`kql_check`): optimizers on against off, a call on constants against the
//! same call on columns, the printed query against the original, and the
//! query against its rewrite through `let` and `materialize()`. A panic, a
//! run far over its time budget, or oracles that disagree fail the input.
//!
//! `KQL_QUERY_PRINT=1` prints each generated query (to turn a saved input
//! back into KQL).
#![no_main]

use kql_syntax_fuzz::kql_check::result::{Compare, ErrKind, Outcome};
use kql_syntax_fuzz::kql_check::known::value_failed_in_one;
use kql_syntax_fuzz::kql_check::{agree, fail, runner};
use kql_syntax_fuzz::kql_gen::Gen;
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(q) = Gen::new(&mut u).query() else { return };
    let call = Gen::new(&mut u).const_call();
    let split = u.int_in_range(0..=q.ops.len()).unwrap_or(0);
    let show = std::env::var_os("KQL_QUERY_PRINT").is_some();
    let r = runner();
    let text = q.text();
    if show {
        eprintln!("--- query (ordered {}, count only {}, inexact {}) ---\n{text}", q.ordered, q.count_only, q.inexact);
    }
    let how = Compare { ordered: q.ordered, count_only: q.count_only, inexact: q.inexact };

    // 1. The same plan with the optimizers on and off.
    let on = r.run(&r.on, &text);
    let off = r.run(&r.off, &text);
    if show {
        eprintln!("--- result ---\n{}", on.render());
    }
    // Without the optimizers, a column the query drops is still computed, so
    // an expression failing at run time (a division by zero) fails only the
    // unoptimized run: that is not a disagreement.
    let pruned = matches!((&on, &off), (Outcome::Ok(_), Outcome::Err(ErrKind::Execution, _)));
    if !pruned && !value_failed_in_one(&on, &off) {
        agree("optimizer on/off", &text, &on, &text, &off, how);
    }

    // 3. The printed query runs to the same result.
    let parsed = kql_syntax::parse(&text);
    if parsed.is_ok() {
        let printed = kql_syntax::print_query(&parsed.query);
        let again = r.run(&r.on, &printed);
        agree("printer round trip", &text, &on, &printed, &again, how);
    }

    // 4. The pipeline split through `let`, and through `materialize()`.
    let points = q.split_points();
    if let Some(&at) = points.iter().min_by_key(|&&p| p.abs_diff(split)) {
        let via_let = q.text_split(at, None);
        let out = r.run(&r.on, &via_let);
        if !value_failed_in_one(&on, &out) {
            agree("let rewrite", &text, &on, &via_let, &out, how);
        }
        let via_mat = q.text_split(at, Some("materialize"));
        let out = r.run(&r.on, &via_mat);
        let how_mat = Compare { ordered: q.ordered && at < q.ops.len(), ..how };
        if !value_failed_in_one(&on, &out) {
            agree("materialize rewrite", &text, &on, &via_mat, &out, how_mat);
        }
    }

    // 2. A call on constants against the same call on columns.
    if let Ok(c) = call {
        if show {
            eprintln!("--- call ---\n{}\n{}", c.print, c.table);
        }
        let a = r.run(&r.on, &c.print);
        let b = r.run(&r.on, &c.table);
        // Some parameters must be constants, and some forms are not implemented
        // on columns: on a column those are binding errors (KQL206, KQL205).
        if matches!(b, Outcome::Err(ErrKind::Bind(code), _) if code == "KQL206" || code == "KQL205") {
            return;
        }
        let exact = Compare { ordered: true, count_only: false, inexact: false };
        agree("constant against column", &c.print, &a, &c.table, &b, exact);
        if matches!(a, Outcome::Err(ErrKind::Syntax, _)) {
            fail("generator", "a generated call does not parse", &c.print, &a, &c.table, &b);
        }
    }
    if matches!(on, Outcome::Err(ErrKind::Syntax, _)) {
        fail("generator", "a generated query does not parse", &text, &on, &text, &off);
    }
});
