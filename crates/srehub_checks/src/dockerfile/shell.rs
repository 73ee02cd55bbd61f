//! Shell helpers shared by the `RUN` checks: the scripts a `RUN` executes (its arguments and heredoc
//! bodies), split into simple commands, with `sudo`/`env`/assignment prefixes removed, and the
//! package-manager invocations among them.
//!
//! This is a pragmatic tokenizer, not a shell: it knows quotes, backslash escapes and line
//! continuations, comments, the operators `&&`, `||`, `|`, `;`, `&` and newlines, subshell
//! parentheses, and redirections (dropped with their targets). `$(…)` and backquoted substitutions stay
//! inside one word.

use srehub_model::dockerfile::Instruction;

/// The operator that ends a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sep {
    /// End of the script.
    End,
    /// `&&`
    And,
    /// `||`
    Or,
    /// `|` or `|&`
    Pipe,
    /// `;`, or a subshell parenthesis.
    Semi,
    /// `&`
    Background,
    /// A newline.
    Newline,
}

/// One simple command of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Its words, quotes removed, redirections dropped.
    pub words: Vec<String>,
    /// The 0-based line, inside the script, where it starts.
    pub line_offset: u32,
    /// The operator after it.
    pub sep: Sep,
}

impl Command {
    /// The words with `sudo`, `env`, `VAR=value` and shell keyword prefixes removed.
    pub fn tool(&self) -> &[String] {
        strip_prefixes(&self.words)
    }
}

#[derive(Default)]
struct Tokenizer {
    out: Vec<Command>,
    words: Vec<String>,
    word: String,
    in_word: bool,
    skip_next_word: bool,
    line: u32,
    start: Option<u32>,
}

impl Tokenizer {
    fn begin(&mut self) {
        self.in_word = true;
        if self.start.is_none() {
            self.start = Some(self.line);
        }
    }

    fn end_word(&mut self) {
        if self.in_word {
            let w = std::mem::take(&mut self.word);
            if self.skip_next_word {
                self.skip_next_word = false;
            } else {
                self.words.push(w);
            }
        }
        self.in_word = false;
    }

    fn end_command(&mut self, sep: Sep) {
        self.end_word();
        self.skip_next_word = false;
        if !self.words.is_empty() {
            self.out.push(Command {
                words: std::mem::take(&mut self.words),
                line_offset: self.start.unwrap_or(self.line),
                sep,
            });
        }
        self.start = None;
    }
}

/// Splits a shell script into simple commands.
pub fn split_commands(script: &str) -> Vec<Command> {
    let c: Vec<char> = script.chars().collect();
    let n = c.len();
    let mut t = Tokenizer::default();
    let mut i = 0;
    while i < n {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        match ch {
            '\'' => {
                t.begin();
                i += 1;
                while i < n && c[i] != '\'' {
                    if c[i] == '\n' {
                        t.line += 1;
                    }
                    t.word.push(c[i]);
                    i += 1;
                }
                i += 1;
            }
            '"' => {
                t.begin();
                i += 1;
                while i < n && c[i] != '"' {
                    if c[i] == '\\'
                        && i + 1 < n
                        && matches!(c[i + 1], '"' | '\\' | '$' | '`' | '\n')
                    {
                        if c[i + 1] == '\n' {
                            t.line += 1;
                        } else {
                            t.word.push(c[i + 1]);
                        }
                        i += 2;
                        continue;
                    }
                    if c[i] == '\n' {
                        t.line += 1;
                    }
                    t.word.push(c[i]);
                    i += 1;
                }
                i += 1;
            }
            '\\' => {
                match next {
                    Some('\n') => t.line += 1,
                    Some(x) => {
                        t.begin();
                        t.word.push(x);
                    }
                    None => {}
                }
                i += 2;
            }
            '$' if next == Some('(') => {
                t.begin();
                t.word.push('$');
                i += 1;
                let mut depth = 0;
                while i < n {
                    match c[i] {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        '\n' => t.line += 1,
                        _ => {}
                    }
                    t.word.push(c[i]);
                    i += 1;
                    if depth == 0 {
                        break;
                    }
                }
            }
            '`' => {
                t.begin();
                t.word.push(ch);
                i += 1;
                while i < n && c[i] != '`' {
                    if c[i] == '\n' {
                        t.line += 1;
                    }
                    t.word.push(c[i]);
                    i += 1;
                }
                t.word.push('`');
                i += 1;
            }
            '#' if !t.in_word => {
                while i < n && c[i] != '\n' {
                    i += 1;
                }
            }
            ' ' | '\t' | '\r' => {
                t.end_word();
                i += 1;
            }
            '\n' => {
                t.end_command(Sep::Newline);
                t.line += 1;
                i += 1;
            }
            ';' => {
                t.end_command(Sep::Semi);
                i += 1;
            }
            ')' => {
                t.end_command(Sep::Semi);
                i += 1;
            }
            '(' if !t.in_word => {
                t.end_command(Sep::Semi);
                i += 1;
            }
            '&' if next == Some('&') => {
                t.end_command(Sep::And);
                i += 2;
            }
            '&' if next == Some('>') => {
                // `&>file`: a redirection, handled by the `>` arm.
                t.end_word();
                i += 1;
            }
            '&' => {
                t.end_command(Sep::Background);
                i += 1;
            }
            '|' if next == Some('|') => {
                t.end_command(Sep::Or);
                i += 2;
            }
            '|' => {
                t.end_command(Sep::Pipe);
                i += if next == Some('&') { 2 } else { 1 };
            }
            '>' | '<' => {
                // A file descriptor number glued to the operator (`2>`) is part of it.
                if t.in_word && !t.word.is_empty() && t.word.chars().all(|d| d.is_ascii_digit()) {
                    t.word.clear();
                    t.in_word = false;
                } else {
                    t.end_word();
                }
                while i < n && matches!(c[i], '>' | '<' | '&' | '|') {
                    i += 1;
                }
                if i < n && (c[i].is_ascii_digit() || c[i] == '-') && c[i - 1] == '&' {
                    // `2>&1`, `>&-`: duplicates a descriptor, no target word.
                    while i < n && (c[i].is_ascii_digit() || c[i] == '-') {
                        i += 1;
                    }
                } else {
                    t.skip_next_word = true;
                }
            }
            _ => {
                t.begin();
                t.word.push(ch);
                i += 1;
            }
        }
    }
    t.end_command(Sep::End);
    t.out
}

/// Whether a word is a shell variable assignment (`DEBIAN_FRONTEND=noninteractive`).
pub fn is_assignment(word: &str) -> bool {
    let Some((name, _)) = word.split_once('=') else {
        return false;
    };
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Removes what runs a command rather than being it: `sudo [-u user]`, `env [-i] [VAR=x]`, leading
/// `VAR=x` assignments, and shell keywords such as `then`, `do`, `!`, `{`, `exec`, `time`.
pub fn strip_prefixes(words: &[String]) -> &[String] {
    let mut w = words;
    while let Some(first) = w.first() {
        let f = first.as_str();
        if is_assignment(f)
            || matches!(
                f,
                "if" | "then"
                    | "do"
                    | "else"
                    | "elif"
                    | "while"
                    | "until"
                    | "!"
                    | "{"
                    | "exec"
                    | "time"
                    | "nohup"
                    | "command"
            )
        {
            w = &w[1..];
        } else if f == "sudo" || f == "env" {
            let with_value: &[&str] = if f == "sudo" {
                &["-u", "-g", "-U", "-C", "-p", "-r", "-t", "-D", "-h"]
            } else {
                &["-u", "-C", "-S", "--unset", "--chdir", "--split-string"]
            };
            w = &w[1..];
            while let Some(o) = w.first() {
                if o == "--" {
                    w = &w[1..];
                    break;
                } else if o.starts_with('-') {
                    let takes = with_value.contains(&o.as_str());
                    w = &w[1..];
                    if takes && !w.is_empty() {
                        w = &w[1..];
                    }
                } else if f == "env" && is_assignment(o) {
                    w = &w[1..];
                } else {
                    break;
                }
            }
        } else {
            break;
        }
    }
    w
}

/// The last path component of a program (`/usr/bin/apt-get` → `apt-get`).
pub fn basename(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

/// The positional words after the program (index into `words`, word), skipping options and the values
/// of the options listed in `with_value` (`-o X`); `--opt=value` carries its own value. Everything
/// after `--` is positional.
pub fn positionals<'a>(words: &'a [String], with_value: &[&str]) -> Vec<(usize, &'a str)> {
    let mut out = Vec::new();
    let mut i = 1;
    let mut options_done = false;
    while i < words.len() {
        let w = words[i].as_str();
        if !options_done && w == "--" {
            options_done = true;
        } else if !options_done && w.starts_with('-') && w.len() > 1 {
            if with_value.contains(&w) {
                i += 1;
            }
        } else {
            out.push((i, w));
        }
        i += 1;
    }
    out
}

/// Whether an option is given, alone or as `--opt=value`.
pub fn has_option(words: &[String], name: &str) -> bool {
    words.iter().any(|w| {
        w == name
            || w.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('='))
    })
}

/// The package managers the checks know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    /// `apt-get`, `apt`
    Apt,
    /// `apk`
    Apk,
    /// `pip`, `pip3`, `python -m pip`
    Pip,
    /// `npm`
    Npm,
    /// `gem`
    Gem,
}

impl Manager {
    /// The name shown in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Manager::Apt => "apt-get",
            Manager::Apk => "apk",
            Manager::Pip => "pip",
            Manager::Npm => "npm",
            Manager::Gem => "gem",
        }
    }

    fn options_with_value(self) -> &'static [&'static str] {
        match self {
            Manager::Apt => &[
                "-o",
                "-c",
                "-t",
                "--option",
                "--config-file",
                "--target-release",
                "--default-release",
            ],
            Manager::Apk => &[
                "-t",
                "--virtual",
                "-X",
                "--repository",
                "-p",
                "--root",
                "--arch",
                "--cache-dir",
                "--keys-dir",
                "--repositories-file",
            ],
            Manager::Pip => &[
                "-r",
                "--requirement",
                "-c",
                "--constraint",
                "-e",
                "--editable",
                "-i",
                "--index-url",
                "--extra-index-url",
                "-f",
                "--find-links",
                "-t",
                "--target",
                "--prefix",
                "--root",
                "--trusted-host",
                "--platform",
                "--python-version",
                "--implementation",
                "--abi",
                "--only-binary",
                "--no-binary",
                "--progress-bar",
                "--upgrade-strategy",
                "--cache-dir",
                "--src",
                "--log",
                "--timeout",
                "--retries",
                "--proxy",
                "--cert",
                "--client-cert",
                "--exists-action",
                "--global-option",
                "-C",
                "--config-settings",
                "--report",
            ],
            Manager::Npm => &[
                "--prefix",
                "--registry",
                "--cache",
                "--omit",
                "--include",
                "-w",
                "--workspace",
                "--userconfig",
                "--loglevel",
                "--tag",
            ],
            Manager::Gem => &[
                "-v",
                "--version",
                "-i",
                "--install-dir",
                "-n",
                "--bindir",
                "-s",
                "--source",
                "--platform",
                "-P",
                "--trust-policy",
                "--build-root",
            ],
        }
    }
}

/// A package-manager invocation: `apt-get -y install curl=8.5.0-2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageCommand<'a> {
    pub manager: Manager,
    /// The subcommand (`install`, `add`, `update`), empty when none.
    pub sub: &'a str,
    /// The words from the manager on (`pip` for `python -m pip`), options included.
    pub words: &'a [String],
    /// The positional arguments after the subcommand (package names), option values excluded.
    pub args: Vec<&'a str>,
}

impl PackageCommand<'_> {
    /// Whether the subcommand installs packages (`install`, `add`, `i`).
    pub fn installs(&self) -> bool {
        match self.manager {
            Manager::Apt | Manager::Pip | Manager::Gem => self.sub == "install",
            Manager::Apk => self.sub == "add",
            Manager::Npm => matches!(self.sub, "install" | "i" | "add" | "isntall" | "in"),
        }
    }

    /// Whether an option is given (see [`has_option`]).
    pub fn has(&self, option: &str) -> bool {
        has_option(self.words, option)
    }
}

/// The package-manager invocation of a command, if it is one.
pub fn package_command(cmd: &Command) -> Option<PackageCommand<'_>> {
    let tool = cmd.tool();
    let program = basename(tool.first()?);
    let (manager, words) = match program {
        "apt-get" | "apt" => (Manager::Apt, tool),
        "apk" => (Manager::Apk, tool),
        "npm" => (Manager::Npm, tool),
        "gem" => (Manager::Gem, tool),
        p if p == "pip"
            || p.strip_prefix("pip")
                .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.')) =>
        {
            (Manager::Pip, tool)
        }
        p if p.starts_with("python") => {
            let m = tool.iter().position(|w| w == "-m")?;
            let module = tool.get(m + 1)?;
            if module != "pip" && module != "pip3" {
                return None;
            }
            (Manager::Pip, &tool[m + 1..])
        }
        _ => return None,
    };
    let pos = positionals(words, manager.options_with_value());
    let (sub, args) = match pos.split_first() {
        Some(((_, sub), rest)) => (*sub, rest.iter().map(|(_, w)| *w).collect()),
        None => ("", Vec::new()),
    };
    Some(PackageCommand {
        manager,
        sub,
        words,
        args,
    })
}

/// A script a `RUN` executes, with where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub text: String,
    /// The line and column of its first line.
    pub line: u32,
    pub column: u32,
}

/// A command of a `RUN`, with the line and column it starts at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedCommand {
    pub command: Command,
    pub line: u32,
    pub column: u32,
}

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];

/// The shell scripts of a `RUN`: its arguments (shell form, or the `-c` script of an exec-form
/// `["sh", "-c", …]`, or the exec words themselves), then the heredoc bodies that the shell runs
/// (`RUN <<EOF`, `RUN bash <<EOF`; not `RUN python3 <<EOF` nor a body whose shebang names another
/// interpreter).
pub fn run_scripts(i: &Instruction) -> Vec<Script> {
    if i.keyword != "RUN" {
        return Vec::new();
    }
    let mut out = Vec::new();
    let args = match &i.exec_form {
        Some(parts) => match parts.as_slice() {
            [sh, c, script, ..] if SHELLS.contains(&basename(sh)) && c == "-c" => script.clone(),
            _ => parts.join(" "),
        },
        None => i.args.clone(),
    };
    let head = split_commands(&args);
    let runs_heredocs = i.exec_form.is_none()
        && match head.first() {
            None => true,
            Some(c) => {
                c.tool()
                    .first()
                    .is_some_and(|p| SHELLS.contains(&basename(p)))
                    && c.tool().len() == 1
            }
        };
    out.push(Script {
        text: args,
        line: i.line,
        column: i.column,
    });
    if runs_heredocs {
        for h in &i.heredocs {
            let shebang_other = h
                .body
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("#!"))
                .is_some_and(|interp| {
                    !interp
                        .split_whitespace()
                        .any(|w| SHELLS.contains(&basename(w)))
                });
            if !shebang_other {
                out.push(Script {
                    text: h.body.clone(),
                    line: h.line,
                    column: 1,
                });
            }
        }
    }
    out
}

/// Every command of a `RUN`, located.
pub fn run_commands(i: &Instruction) -> Vec<LocatedCommand> {
    run_scripts(i)
        .into_iter()
        .flat_map(|s| {
            split_commands(&s.text)
                .into_iter()
                .map(move |command| LocatedCommand {
                    line: s.line + command.line_offset,
                    column: if command.line_offset == 0 {
                        s.column
                    } else {
                        1
                    },
                    command,
                })
        })
        .collect()
}

/// A `RUN --mount=…` flag.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mount {
    /// `bind` (the default), `cache`, `secret`, `tmpfs`, `ssh`.
    pub kind: String,
    pub target: Option<String>,
    pub from: Option<String>,
}

/// The `--mount` flags of an instruction.
pub fn mounts(i: &Instruction) -> Vec<Mount> {
    i.flags
        .iter()
        .filter(|(n, _)| n == "mount")
        .filter_map(|(_, v)| v.as_deref())
        .map(|v| {
            let mut m = Mount {
                kind: "bind".to_string(),
                ..Mount::default()
            };
            for part in v.split(',') {
                let (k, val) = part.split_once('=').unwrap_or((part, ""));
                let val = val.trim_matches('"').to_string();
                match k.trim().to_ascii_lowercase().as_str() {
                    "type" => m.kind = val,
                    "target" | "dst" | "destination" => m.target = Some(val),
                    "from" => m.from = Some(val),
                    _ => {}
                }
            }
            m
        })
        .collect()
}

/// Whether a cache mount targets one of the directories (or a path under it).
pub fn has_cache_mount(i: &Instruction, dirs: &[&str]) -> bool {
    mounts(i).iter().any(|m| {
        m.kind == "cache"
            && m.target.as_deref().is_some_and(|t| {
                let t = t.trim_end_matches('/');
                dirs.iter().any(|d| {
                    t == *d || t.starts_with(&format!("{d}/")) || d.starts_with(&format!("{t}/"))
                })
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use srehub_model::dockerfile::parse;

    fn words(script: &str) -> Vec<Vec<String>> {
        split_commands(script)
            .into_iter()
            .map(|c| c.words)
            .collect()
    }

    #[test]
    fn splits_on_operators_and_keeps_quotes_together() {
        let cmds = split_commands(
            "apt-get update && apt-get install -y 'a b' \"c\\\"d\" || true; curl -s x | tar xz & wait",
        );
        let seps: Vec<Sep> = cmds.iter().map(|c| c.sep).collect();
        assert_eq!(
            seps,
            [
                Sep::And,
                Sep::Or,
                Sep::Semi,
                Sep::Pipe,
                Sep::Background,
                Sep::End
            ]
        );
        assert_eq!(cmds[1].words, ["apt-get", "install", "-y", "a b", "c\"d"]);
    }

    #[test]
    fn drops_redirections_comments_and_tracks_lines() {
        let cmds = split_commands(
            "# comment\necho hi > /tmp/x 2>&1\ncat <<EOF\ncurl -s u |& tee log 2>/dev/null \\\n  && echo $(a | b) done",
        );
        assert_eq!(cmds[0].words, ["echo", "hi"]);
        assert_eq!(cmds[0].line_offset, 1);
        assert_eq!(cmds[1].words, ["cat"]);
        assert_eq!(cmds[2].words, ["curl", "-s", "u"]);
        assert_eq!(cmds[2].sep, Sep::Pipe);
        assert_eq!(cmds[3].words, ["tee", "log"]);
        assert_eq!(cmds[4].words, ["echo", "$(a | b)", "done"]);
        assert_eq!(cmds[4].line_offset, 4);
        assert_eq!(
            words("(cd /src && make)"),
            [vec!["cd", "/src"], vec!["make"]]
        );
    }

    #[test]
    fn strips_sudo_env_and_assignments() {
        let cmd = &split_commands(
            "sudo -u root env -i DEBIAN_FRONTEND=noninteractive apt-get -yq install curl",
        )[0];
        assert_eq!(cmd.tool()[0], "apt-get");
        let cmd = &split_commands("then FOO=1 exec /usr/bin/apk add x")[0];
        assert_eq!(basename(&cmd.tool()[0]), "apk");
    }

    #[test]
    fn recognizes_package_commands() {
        let cmds = split_commands(
            "apt-get -o Dpkg::Options::=--force-confold -y install curl git && python3 -m pip install --no-cache-dir -r req.txt flask && apk --no-cache add --virtual .deps gcc",
        );
        let apt = package_command(&cmds[0]).unwrap();
        assert_eq!(
            (apt.manager, apt.sub, apt.args.clone()),
            (Manager::Apt, "install", vec!["curl", "git"])
        );
        assert!(apt.installs() && apt.has("-y"));
        let pip = package_command(&cmds[1]).unwrap();
        assert_eq!(
            (pip.manager, pip.args.clone()),
            (Manager::Pip, vec!["flask"])
        );
        assert!(pip.has("--no-cache-dir"));
        let apk = package_command(&cmds[2]).unwrap();
        assert_eq!((apk.sub, apk.args.clone()), ("add", vec!["gcc"]));
        assert!(package_command(&split_commands("echo apt-get install")[0]).is_none());
    }

    #[test]
    fn run_scripts_include_shell_heredocs_only() {
        let df = parse("FROM alpine:3.20\nRUN <<EOF\napk add curl\nEOF\nRUN python3 <<EOF\nimport os\nEOF\nRUN --mount=type=cache,target=/var/cache/apk [\"sh\", \"-c\", \"apk add x\"]\n").unwrap();
        let cmds = run_commands(&df.instructions[1]);
        assert_eq!(cmds.len(), 1);
        assert_eq!(
            (cmds[0].command.words[0].as_str(), cmds[0].line),
            ("apk", 3)
        );
        assert_eq!(run_commands(&df.instructions[2]).len(), 1);
        assert_eq!(
            run_commands(&df.instructions[3])[0].command.words,
            ["apk", "add", "x"]
        );
        assert!(has_cache_mount(&df.instructions[3], &["/var/cache/apk"]));
        assert!(!has_cache_mount(&df.instructions[3], &["/var/lib/apt"]));
    }
}
