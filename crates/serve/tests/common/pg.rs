//! A PostgreSQL server of a test's own: Debian's binaries
//! (`/usr/lib/postgresql/<version>/bin`), a cluster made by `initdb` in a
//! fresh folder, listening only on a unix socket in that folder, stopped
//! when dropped. PostgreSQL refuses to run as root, so as root it runs as
//! `nobody` (through `runuser`). Without the binaries the test fails and
//! says why: CI installs them.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A running server.
pub struct Postgres {
    dir: PathBuf,
    bin: PathBuf,
    /// The user the server runs as, when the tests run as root.
    run_as: Option<&'static str>,
}

/// The newest installed PostgreSQL's server binaries.
fn binaries() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "PostgreSQL's server binaries (initdb, pg_ctl) are not in /usr/lib/postgresql/*/bin: \
             install Debian's postgresql package (apt-get install -y postgresql), as .ci/run does"
        ),
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Postgres {
    /// Makes a cluster in a fresh folder named after `name` and starts it.
    pub fn start(name: &str) -> Postgres {
        let bin = binaries();
        let dir = super::temp_dir(&format!("pg-{name}"));
        std::fs::create_dir_all(&dir).unwrap();
        let run_as = is_root().then_some("nobody");
        if run_as.is_some() {
            // The server's user makes its data folder and socket in here.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        let pg = Postgres { dir, bin, run_as };
        let data = pg.dir.join("data");
        pg.run(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                "dragnet".as_ref(),
                "--auth=trust".as_ref(),
                "--no-sync".as_ref(),
                "--encoding=UTF8".as_ref(),
                "--locale=C".as_ref(),
            ],
        );
        let options = format!("-k {} -c listen_addresses=''", pg.dir.display());
        let log = pg.dir.join("server.log");
        pg.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-o".as_ref(),
                options.as_ref(),
                "-w".as_ref(),
                "start".as_ref(),
            ],
        );
        pg
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let mut c = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        };
        c.current_dir(&self.dir);
        c
    }

    fn run(&self, program: &str, args: &[&std::ffi::OsStr]) {
        let out = self.command(program).args(args).output().unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        if !out.status.success() {
            let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
            panic!(
                "{program} failed ({}): {}{}\nserver log:\n{log}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    /// The socket folder, as a connection string's host.
    fn host(&self) -> String {
        self.dir.display().to_string().replace('/', "%2F")
    }

    /// Makes database `name` and returns its connection string.
    pub fn database(&self, name: &str) -> String {
        let out = Command::new(self.bin.join("createdb"))
            .args(["-h".as_ref(), self.dir.as_os_str(), "-U".as_ref(), "dragnet".as_ref(), name.as_ref()])
            .output()
            .unwrap_or_else(|e| panic!("cannot run createdb: {e}"));
        assert!(out.status.success(), "createdb {name}: {}", String::from_utf8_lossy(&out.stderr));
        format!("postgres://dragnet@{}/{name}", self.host())
    }

    /// Stops the server (ending its connections) and starts it again.
    pub fn restart(&self) {
        let (data, log) = (self.dir.join("data"), self.dir.join("server.log"));
        // With its log file named, so the new server holds none of pg_ctl's
        // output open.
        self.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-m".as_ref(),
                "fast".as_ref(),
                "-w".as_ref(),
                "restart".as_ref(),
            ],
        );
    }

    /// The folder holding the cluster and its socket.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self
            .command("pg_ctl")
            .args(["-D".as_ref(), data.as_os_str(), "-m".as_ref(), "fast".as_ref(), "-w".as_ref(), "stop".as_ref()])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
