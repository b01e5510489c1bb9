//! Running one unit of work (a rule) so that a panic inside it is its own
//! failure: caught, its message kept, and the rest of the run goes on.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

/// Runs `f`; a panic comes back as `Err` with its message and location,
/// and is not printed by the default panic hook meanwhile. Panics on other
/// threads during the call are reported as usual.
pub fn isolated<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let caught: Arc<Mutex<Option<String>>> = Arc::default();
    let slot = caught.clone();
    let me = std::thread::current().id();
    let previous = Arc::new(std::panic::take_hook());
    let chained = previous.clone();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == me {
            let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
            if let Ok(mut s) = slot.lock() {
                *s = Some(format!("{}{at}", message(info.payload())));
            }
        } else {
            chained(info);
        }
    }));
    let result = catch_unwind(AssertUnwindSafe(f));
    let _ = std::panic::take_hook();
    match Arc::try_unwrap(previous) {
        Ok(hook) => std::panic::set_hook(hook),
        Err(shared) => std::panic::set_hook(Box::new(move |info| shared(info))),
    }
    result.map_err(|payload| {
        caught.lock().ok().and_then(|mut s| s.take()).unwrap_or_else(|| message(payload.as_ref()).to_string())
    })
}

fn message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_an_error_with_its_message_and_the_next_call_runs() {
        let e = isolated(|| -> i32 { panic!("boom {}", 7) }).unwrap_err();
        assert!(e.starts_with("boom 7 at "), "{e}");
        assert!(e.contains("isolate.rs"), "{e}");
        assert_eq!(isolated(|| 5), Ok(5));
    }
}
