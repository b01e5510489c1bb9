//! Which container a log file is of, from the path the kubelet or Docker
//! gave it (the lines themselves do not say):
//!
//! | path | gives |
//! |---|---|
//! | `.../<pod>_<namespace>_<container>-<id>.log` (the kubelet's links in `/var/log/containers`) | pod, namespace, container name, container id (64 hex digits) |
//! | `.../<namespace>_<pod>_<uid>/<container>/<n>.log` (`/var/log/pods`) | namespace, pod, pod uid, container name |
//! | `.../<id>/<id>-json.log` (Docker's `/var/lib/docker/containers`) | container id |
//!
//! Any other path gives nothing (the columns stay null). Only the last
//! components are looked at, so a copied tree keeps its metadata.

use std::path::Path;

/// What a path says of its container.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Meta {
    /// The pod's name.
    pub pod: Option<String>,
    /// The pod's namespace.
    pub namespace: Option<String>,
    /// The pod's uid.
    pub pod_uid: Option<String>,
    /// The container's name.
    pub container: Option<String>,
    /// The container's id.
    pub container_id: Option<String>,
}

fn is_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Meta {
    /// What `path` says (see the module docs).
    pub fn of(path: &Path) -> Meta {
        let parts: Vec<&str> = path.iter().filter_map(|p| p.to_str()).collect();
        let Some(&file) = parts.last() else { return Meta::default() };
        if let Some(stem) = file.strip_suffix(".log") {
            // <pod>_<namespace>_<container>-<id>: names hold no `_`.
            let fields: Vec<&str> = stem.split('_').collect();
            if let [pod, ns, rest] = fields[..]
                && let Some((container, id)) = rest.rsplit_once('-')
                && is_id(id)
                && !pod.is_empty()
                && !ns.is_empty()
                && !container.is_empty()
            {
                return Meta {
                    pod: Some(pod.into()),
                    namespace: Some(ns.into()),
                    container: Some(container.into()),
                    container_id: Some(id.into()),
                    pod_uid: None,
                };
            }
            if let Some(id) = stem.strip_suffix("-json")
                && is_id(id)
            {
                return Meta { container_id: Some(id.into()), ..Meta::default() };
            }
            // <namespace>_<pod>_<uid>/<container>/<n>.log
            if stem.bytes().all(|b| b.is_ascii_digit())
                && let [.., pod_dir, container, _] = parts[..]
                && let [ns, pod, uid] = pod_dir.split('_').collect::<Vec<_>>()[..]
                && !ns.is_empty()
                && !pod.is_empty()
                && !uid.is_empty()
                && !container.is_empty()
            {
                return Meta {
                    pod: Some(pod.into()),
                    namespace: Some(ns.into()),
                    pod_uid: Some(uid.into()),
                    container: Some(container.into()),
                    container_id: None,
                };
            }
        }
        Meta::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn the_kubelets_and_dockers_paths() {
        let m = Meta::of(Path::new(&format!("/var/log/containers/web-7d9f-x2_shop_nginx-{ID}.log")));
        assert_eq!(m.pod.as_deref(), Some("web-7d9f-x2"));
        assert_eq!(m.namespace.as_deref(), Some("shop"));
        assert_eq!(m.container.as_deref(), Some("nginx"));
        assert_eq!(m.container_id.as_deref(), Some(ID));
        let m = Meta::of(Path::new("/var/log/pods/shop_web-7d9f-x2_5f0e-11/nginx/0.log"));
        assert_eq!((m.namespace.as_deref(), m.pod.as_deref()), (Some("shop"), Some("web-7d9f-x2")));
        assert_eq!((m.pod_uid.as_deref(), m.container.as_deref()), (Some("5f0e-11"), Some("nginx")));
        let m = Meta::of(Path::new(&format!("/var/lib/docker/containers/{ID}/{ID}-json.log")));
        assert_eq!(m, Meta { container_id: Some(ID.into()), ..Meta::default() });
    }

    #[test]
    fn other_paths_say_nothing() {
        for p in ["app.log", "/tmp/a_b_c-123.log", "0.log", "/x/a_b/c/0.log", ""] {
            assert_eq!(Meta::of(Path::new(p)), Meta::default(), "{p}");
        }
    }
}
