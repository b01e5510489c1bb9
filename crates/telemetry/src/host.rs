//! What the user tells dragnet about the host a log came from, for the
//! sources that do not say it themselves: its name (`--device-name`),
//! and its accounts and groups (`--passwd`, `--group`, files in the
//! format of `/etc/passwd` and `/etc/group`), so that a raw audit log's
//! numeric uids become the account names Defender reports.

use std::collections::HashMap;

/// The host's name and accounts.
#[derive(Debug, Default, Clone)]
pub struct HostInfo {
    /// `DeviceName` for records that do not name their machine.
    pub device_name: Option<String>,
    /// The year of timestamps that carry none (RFC 3164 syslog's
    /// `Mmm dd hh:mm:ss`); when unset, the latest year that puts such a
    /// time no more than a day ahead of now.
    pub year: Option<i16>,
    /// uid → (name, primary gid), from a passwd file.
    users: HashMap<u32, (String, u32)>,
    /// gid → name, from a group file.
    groups: HashMap<u32, String>,
}

impl HostInfo {
    /// Reads the accounts of a passwd file's text (`name:x:uid:gid:...`;
    /// blank and `#` lines are passed over). A line that is not an entry is
    /// an error naming it, so a wrong file is not taken for a right one.
    pub fn with_passwd(mut self, text: &str) -> Result<Self, String> {
        for (n, fields) in entries(text) {
            let (Some(name), Some(uid), Some(gid)) = (fields.first(), fields.get(2), fields.get(3)) else {
                return Err(format!("line {n}: not a passwd entry (name:password:uid:gid:...)"));
            };
            let (Ok(uid), Ok(gid)) = (uid.parse::<u32>(), gid.parse::<u32>()) else {
                return Err(format!("line {n}: uid and gid must be numbers"));
            };
            // The first entry of a uid wins, as getpwuid(3) finds it.
            self.users.entry(uid).or_insert_with(|| (name.to_string(), gid));
        }
        Ok(self)
    }

    /// Reads the groups of a group file's text (`name:x:gid:members`).
    pub fn with_group(mut self, text: &str) -> Result<Self, String> {
        for (n, fields) in entries(text) {
            let (Some(name), Some(gid)) = (fields.first(), fields.get(2)) else {
                return Err(format!("line {n}: not a group entry (name:password:gid:members)"));
            };
            let Ok(gid) = gid.parse::<u32>() else { return Err(format!("line {n}: gid must be a number")) };
            self.groups.entry(gid).or_insert_with(|| name.to_string());
        }
        Ok(self)
    }

    /// The name of account `uid`: from the passwd file, else `root` for
    /// uid 0 (root on every Linux system), else unknown.
    pub fn user(&self, uid: u32) -> Option<&str> {
        match self.users.get(&uid) {
            Some((name, _)) => Some(name),
            None if uid == 0 => Some("root"),
            None => None,
        }
    }

    /// The primary group of account `uid` (its gid, and its name when the
    /// group file has it), when the passwd file has the account.
    pub fn primary_group(&self, uid: u32) -> Option<(u32, Option<&str>)> {
        let (_, gid) = self.users.get(&uid)?;
        Some((*gid, self.groups.get(gid).map(String::as_str)))
    }
}

/// The entries of a colon-separated file, with their 1-based lines.
fn entries(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines().enumerate().filter_map(|(i, l)| {
        let l = l.trim_end_matches('\r');
        (!l.trim().is_empty() && !l.starts_with('#')).then(|| (i + 1, l.split(':').collect()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_files_and_root_is_known_without_them() {
        let h = HostInfo::default()
            .with_passwd("root:x:0:0:root:/root:/bin/bash\n# comment\nalice:x:1000:1001::/home/alice:/bin/sh\nalias:x:1000:5::/:/bin/sh\n")
            .unwrap()
            .with_group("root:x:0:\nstaff:x:1001:alice\n")
            .unwrap();
        assert_eq!(h.user(1000), Some("alice"));
        assert_eq!(h.user(0), Some("root"));
        assert_eq!(h.user(7), None);
        assert_eq!(h.primary_group(1000), Some((1001, Some("staff"))));
        assert_eq!(HostInfo::default().user(0), Some("root"));
        assert_eq!(HostInfo::default().user(1000), None);
    }

    #[test]
    fn a_file_of_another_kind_is_an_error_with_its_line() {
        assert_eq!(
            HostInfo::default().with_passwd("root:x:0:0:r:/:/bin/sh\nhello\n").unwrap_err(),
            "line 2: not a passwd entry (name:password:uid:gid:...)"
        );
        assert_eq!(HostInfo::default().with_group("wheel:x:ten:\n").unwrap_err(), "line 1: gid must be a number");
    }
}
