use srehub_core::{Check, Findings};

use super::DockerfileInput;
use super::shell::mounts;

srehub_core::declare_check! {
    /// ## What it checks
    /// `COPY --from=X` and `RUN --mount=…,from=X` where `X` is not a stage name of the file, not the
    /// index of an earlier stage, and does not look like an image reference (it has no `/`, `:` or `.`).
    /// Values with a variable (`--from=$BUILDER`) are not judged.
    ///
    /// ## Why it matters
    /// BuildKit treats an unknown `--from` as an image name: a typo such as `--from=biuld` makes the
    /// build pull `docker.io/library/biuld:latest`, which fails at best and at worst exists as someone
    /// else's image whose files end up in yours. An index that is not an earlier stage points at the
    /// wrong stage (or fails) after stages are reordered.
    ///
    /// ## How to fix
    /// Name the stage (`FROM golang:1.23 AS build`) and copy from that name (`COPY --from=build …`);
    /// prefer names over indexes. To copy from an image, write a full reference with a tag
    /// (`COPY --from=busybox:1.36 /bin/busybox /bin/`), or declare it as a stage (`FROM busybox:1.36 AS
    /// tools`).
    DKR013 CopyFromUnknownStage { name: "copy-from-unknown-stage", severity: Critical, category: Correctness, group: "dockerfile" }
}

impl Check<DockerfileInput<'_>> for CopyFromUnknownStage {
    fn run(&self, input: &DockerfileInput<'_>, out: &mut Findings) {
        for i in &input.file.instructions {
            let refs: Vec<String> = match i.keyword.as_str() {
                "COPY" => i.flag("from").map(str::to_string).into_iter().collect(),
                "RUN" => mounts(i).into_iter().filter_map(|m| m.from).collect(),
                _ => continue,
            };
            let current = i.stage.unwrap_or(0);
            for x in refs {
                if x.is_empty()
                    || x.contains('$')
                    || x.contains(['/', ':', '.', '@'])
                    || input.is_stage(&x)
                {
                    continue;
                }
                let message = match x.parse::<usize>() {
                    Ok(n) if n < current => continue,
                    Ok(n) => format!(
                        "`{} --from={n}` refers to stage index {n}, which is not an earlier stage (this is stage {current})",
                        i.keyword
                    ),
                    Err(_) => format!(
                        "`{}` takes files from `{x}`, which is no stage of this Dockerfile: BuildKit will pull it as the image `docker.io/library/{x}:latest`",
                        i.keyword
                    ),
                };
                out.push(input.at(&Self::META, i, message).hint("Use the name of an earlier stage (FROM … AS name), or a full image reference with a tag"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::testing::{lines, run};

    #[test]
    fn triggers_on_unknown_stage_and_index() {
        let text = "FROM golang:1.23 AS build\nRUN go build -o /out/app .\nFROM alpine:3.20\nCOPY --from=biuld /out/app /app\nCOPY --from=1 /etc/os-release /x\nRUN --mount=type=bind,from=tools,source=/bin,target=/t ls /t\n";
        let found = run(&CopyFromUnknownStage, text);
        assert_eq!(lines(&found), [4, 5, 6]);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_stages_indexes_and_images() {
        let text = "FROM golang:1.23 AS Build\nFROM alpine:3.20\nCOPY --from=build /out/app /app\nCOPY --from=0 /a /b\nCOPY --from=busybox:1.36 /bin/busybox /bin/\nCOPY --from=ghcr.io/org/tool /t /t\nCOPY --from=${TOOLS} /t /t\nRUN --mount=type=cache,target=/root/.cache --mount=from=build,target=/src ls\n";
        assert!(run(&CopyFromUnknownStage, text).is_empty());
    }
}
