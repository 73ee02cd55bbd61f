use srehub_core::{Check, Findings};
use srehub_model::ci::CiKind;
use srehub_model::yaml::{Node, Value};

use super::{CiInput, did_you_mean, gha_jobs};

srehub_core::declare_check! {
    /// ## What it checks
    /// A GitHub workflow job whose `needs:` (a job id or a list of them) names a job that does not
    /// exist in the workflow, and jobs whose `needs:` form a cycle (`a` needs `b`, `b` needs `a`).
    ///
    /// ## Why it matters
    /// GitHub rejects the whole workflow: none of its jobs run, and the error only shows up in the
    /// Actions tab once the workflow is triggered. A renamed job is the usual cause.
    ///
    /// ## How to fix
    /// Use the job's id (the key under `jobs:`, not its `name:`), as the message suggests, or break the
    /// cycle by removing one of the `needs` that form it.
    GHA007 JobNeedsUndefined { name: "job-needs-undefined", severity: Critical, category: Correctness, group: "ci" }
}

/// A job's `needs`: the nodes naming other jobs.
fn needs(job: &Node) -> Vec<&Node> {
    match job.get("needs") {
        Some(n) if matches!(n.value, Value::Str(_)) => vec![n],
        Some(n) => n.items().iter().filter(|i| i.as_str().is_some()).collect(),
        None => Vec::new(),
    }
}

impl Check<CiInput<'_>> for JobNeedsUndefined {
    fn run(&self, input: &CiInput<'_>, out: &mut Findings) {
        if input.kind() != CiKind::GithubWorkflow {
            return;
        }
        let jobs = gha_jobs(&input.file.root);
        let ids: Vec<&str> = jobs.iter().map(|(k, _)| k.text.as_str()).collect();
        let index = |name: &str| ids.iter().position(|i| *i == name);
        // Edges: job -> the jobs it needs.
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); jobs.len()];
        for (j, (id, job)) in jobs.iter().enumerate() {
            for n in needs(job) {
                let name = n.as_str().unwrap_or_default().trim();
                match index(name) {
                    Some(t) => {
                        if !edges[j].contains(&t) {
                            edges[j].push(t);
                        }
                    }
                    None => out.push(
                        input
                            .at(
                                &Self::META,
                                n.pos,
                                format!(
                                    "job `{}` needs `{name}`, which is not a job of this workflow{}",
                                    id.text,
                                    did_you_mean(name, &ids)
                                ),
                            )
                            .hint("Name the job by its id, the key under `jobs:`"),
                    ),
                }
            }
        }
        for cycle in cycles(&edges) {
            let first = cycle.iter().copied().min().unwrap_or(0);
            let (id, job) = &jobs[first];
            let pos = job.key("needs").map_or(id.pos, |k| k.pos);
            // Print the cycle starting from its first job in the file.
            let start = cycle.iter().position(|c| *c == first).unwrap_or(0);
            let mut names: Vec<&str> = cycle[start..]
                .iter()
                .chain(&cycle[..start])
                .map(|c| ids[*c])
                .collect();
            names.push(ids[first]);
            out.push(
                input
                    .at(
                        &Self::META,
                        pos,
                        format!(
                            "jobs form a dependency cycle: {}; GitHub rejects the workflow",
                            names.join(" → ")
                        ),
                    )
                    .hint("Remove one of the `needs` that form the cycle"),
            );
        }
    }
}

/// The dependency cycles of a graph (each once, as a list of nodes `a`, `b`, … where `a` needs `b`).
fn cycles(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    // Peel off jobs whose needs are all resolved; what remains is in or behind a cycle.
    let n = edges.len();
    let mut pending: Vec<usize> = edges.iter().map(Vec::len).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (j, targets) in edges.iter().enumerate() {
        for t in targets {
            dependents[*t].push(j);
        }
    }
    let mut queue: Vec<usize> = (0..n).filter(|j| pending[*j] == 0).collect();
    let mut done = vec![false; n];
    while let Some(j) = queue.pop() {
        done[j] = true;
        for d in &dependents[j] {
            pending[*d] -= 1;
            if pending[*d] == 0 {
                queue.push(*d);
            }
        }
    }
    // Every remaining job needs another remaining job: walking its needs must loop.
    let mut out = Vec::new();
    let mut seen = vec![false; n];
    for start in 0..n {
        if done[start] || seen[start] {
            continue;
        }
        let mut path = Vec::new();
        let mut at = start;
        let mut on_path = vec![false; n];
        while !on_path[at] && !seen[at] {
            on_path[at] = true;
            path.push(at);
            match edges[at].iter().find(|t| !done[**t]) {
                Some(t) => at = *t,
                None => break,
            }
        }
        let closes = on_path[at] && !seen[at];
        for p in &path {
            seen[*p] = true;
        }
        if closes && let Some(i) = path.iter().position(|p| *p == at) {
            out.push(path[i..].to_vec());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::testing::{positions, workflow};

    #[test]
    fn cycles_are_found_once() {
        assert_eq!(cycles(&[vec![1], vec![0], vec![0]]), [vec![0, 1]]);
        assert_eq!(cycles(&[vec![0]]), [vec![0]]);
        assert!(cycles(&[vec![], vec![0], vec![0, 1]]).is_empty());
        assert_eq!(cycles(&[vec![1], vec![2], vec![1]]), [vec![1, 2]]);
    }

    #[test]
    fn triggers_on_unknown_needs_and_cycles() {
        let text = "\
on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    steps: [{run: make}]
  test:
    needs: biuld
    runs-on: ubuntu-24.04
    steps: [{run: make test}]
  deploy:
    needs: [test, publish]
    runs-on: ubuntu-24.04
    steps: [{run: make deploy}]
  a:
    needs: [build, b]
    runs-on: ubuntu-24.04
    steps: [{run: a}]
  b:
    needs: a
    runs-on: ubuntu-24.04
    steps: [{run: b}]
";
        let found = workflow(&JobNeedsUndefined, text);
        assert_eq!(positions(&found), [(7, 12), (11, 19), (15, 5)]);
        assert!(found[0].message.contains("did you mean `build`"));
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_a_valid_graph() {
        let text = "\
on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    steps: [{run: make}]
  test:
    needs: build
    runs-on: ubuntu-24.04
    steps: [{run: make test}]
  deploy:
    needs: [build, test]
    uses: ./.github/workflows/deploy.yml
";
        assert!(workflow(&JobNeedsUndefined, text).is_empty());
    }
}
