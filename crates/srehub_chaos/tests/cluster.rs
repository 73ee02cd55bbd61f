//! Kubernetes faults against the in-process fake Kubernetes API of the doctor's tests (no real API
//! server can run here): deletes, evictions, cordons and NetworkPolicies arrive as the real API
//! expects them, a PodDisruptionBudget refuses an eviction, dry runs persist nothing, and rollback
//! undoes what was created.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use serde_json::{Value, json};
use srehub_chaos::cluster::{KubeChaos, Pick};
use srehub_kube::live::{LiveOptions, connect};
use srehub_test_support::fake_kube::{FakeKube, FakeOptions};

fn pod(ns: &str, name: &str, labels: Value, extra: Value) -> Value {
    let mut p = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"namespace": ns, "name": name, "labels": labels, "uid": format!("uid-{name}")},
        "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "x:1"}]},
        "status": {"phase": "Running"}
    });
    if let (Some(p), Some(e)) = (p["metadata"].as_object_mut(), extra["metadata"].as_object()) {
        for (k, v) in e {
            p.insert(k.clone(), v.clone());
        }
    }
    if let Some(phase) = extra["status"]["phase"].as_str() {
        p["status"]["phase"] = json!(phase);
    }
    p
}

fn owned(kind: &str, name: &str) -> Value {
    json!({"metadata": {"ownerReferences": [{"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": "u", "controller": true}]}})
}

fn cluster() -> FakeKube {
    let mut objects = vec![
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}, "spec": {}}),
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
               "metadata": {"namespace": "shop", "name": "db"},
               "spec": {"selector": {"matchLabels": {"app": "db"}}, "maxUnavailable": 0},
               "status": {"disruptionsAllowed": 0}}),
        pod(
            "shop",
            "db-0",
            json!({"app": "db"}),
            owned("StatefulSet", "db"),
        ),
        pod("shop", "debug", json!({"app": "debug"}), json!({})),
        pod(
            "kube-system",
            "agent-x",
            json!({"app": "agent"}),
            json!({"metadata": {"ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "agent", "uid": "u"}]}}),
        ),
        pod(
            "shop",
            "job-done",
            json!({"app": "job"}),
            json!({"status": {"phase": "Succeeded"}}),
        ),
    ];
    for i in 1..=4 {
        objects.push(pod(
            "shop",
            &format!("api-{i}"),
            json!({"app": "api"}),
            owned("ReplicaSet", "api-7d9f"),
        ));
    }
    FakeKube::start(objects, FakeOptions::default())
}

async fn chaos(fake: &FakeKube, dry_run: bool) -> KubeChaos {
    let conn = connect(&LiveOptions {
        kubeconfig: Some(fake.kubeconfig.clone()),
        context: None,
        namespace: None,
        timeout: Duration::from_secs(5),
        retries: 0,
        page_size: 500,
        concurrency: 2,
    })
    .await
    .unwrap();
    let mut c = KubeChaos::new(conn.client(), dry_run);
    c.eviction_retry = Duration::from_millis(100);
    c
}

fn names(fake: &FakeKube, kind: &str) -> Vec<String> {
    let mut v: Vec<String> = fake
        .objects(kind)
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pod_kill_deletes_a_share_of_the_matching_pods() {
    let fake = cluster();
    let c = chaos(&fake, false).await;
    let killed = c
        .kill_pods("shop", "app=api", Pick::Percent(50.0), Some(0))
        .await
        .unwrap();
    assert_eq!(killed.len(), 2);
    let deletes: Vec<String> = fake
        .writes()
        .into_iter()
        .filter(|w| w.starts_with("DELETE"))
        .collect();
    assert_eq!(deletes.len(), 2, "{deletes:?}");
    for d in &deletes {
        assert!(
            d.starts_with("DELETE /api/v1/namespaces/shop/pods/api-"),
            "{d}"
        );
        assert!(d.contains("\"gracePeriodSeconds\":0"), "forced: {d}");
    }
    let left = names(&fake, "Pod");
    assert_eq!(left.iter().filter(|n| n.starts_with("api-")).count(), 2);
    assert!(
        left.contains(&"db-0".to_string()),
        "only the selector's pods"
    );
    assert_eq!(c.journal().len(), 2);
    assert!(
        c.journal()
            .iter()
            .all(|a| a.action == "delete-pod" && a.outcome == "done")
    );
    assert!(
        c.kill_pods("shop", "", Pick::All, None).await.is_err(),
        "a selector is required"
    );
    assert!(
        c.kill_pods("shop", "app=nothing", Pick::All, None)
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_sends_dry_run_writes_and_changes_nothing() {
    let fake = cluster();
    let c = chaos(&fake, true).await;
    c.kill_pods("shop", "app=api", Pick::All, None)
        .await
        .unwrap();
    c.partition("shop", "app=api").await.unwrap();
    assert_eq!(names(&fake, "Pod").len(), 8);
    assert!(names(&fake, "NetworkPolicy").is_empty());
    let writes = fake.writes();
    assert_eq!(writes.len(), 5);
    assert!(
        writes
            .iter()
            .all(|w| w.contains("dryRun=All") || w.contains("\"dryRun\":[\"All\"]")),
        "{writes:?}"
    );
    assert!(c.journal().iter().all(|a| a.outcome == "dry-run"));
    assert_eq!(c.rollback().await, 0);
    assert_eq!(fake.writes().len(), 5, "nothing to roll back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_cordons_evicts_honours_pdbs_and_rolls_back() {
    let fake = cluster();
    let c = chaos(&fake, false).await;
    let left = c
        .drain("node-1", Duration::from_millis(350), None)
        .await
        .unwrap();
    assert_eq!(
        left,
        ["shop/db-0", "shop/debug"],
        "the PDB refused one; no controller owns the other"
    );
    assert_eq!(fake.objects("Node")[0]["spec"]["unschedulable"], true);
    let writes = fake.writes();
    assert!(
        writes[0].starts_with("PATCH /api/v1/nodes/node-1"),
        "{writes:?}"
    );
    let evictions: Vec<&String> = writes.iter().filter(|w| w.contains("/eviction")).collect();
    // 4 api pods once, db-0 retried until the timeout; never the DaemonSet's or the finished pod.
    assert!(
        evictions
            .iter()
            .all(|w| !w.contains("agent-x") && !w.contains("job-done"))
    );
    assert!(
        evictions.iter().filter(|w| w.contains("db-0")).count() >= 2,
        "retried: {evictions:?}"
    );
    assert!(
        evictions
            .iter()
            .any(|w| w.contains("\"kind\":\"Eviction\"")),
        "{evictions:?}"
    );
    let pods = names(&fake, "Pod");
    assert_eq!(pods, ["agent-x", "db-0", "debug", "job-done"]);
    assert_eq!(c.rollback().await, 0);
    assert!(
        fake.objects("Node")[0]["spec"]
            .get("unschedulable")
            .is_none(),
        "uncordoned"
    );
    let j = c.journal();
    assert_eq!(j.first().unwrap().action, "cordon");
    assert_eq!(j.last().unwrap().action, "uncordon");
    assert!(
        j.iter()
            .any(|a| a.target == "shop/db-0" && a.outcome.starts_with("refused"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partition_creates_a_deny_all_policy_and_rollback_deletes_it() {
    let fake = cluster();
    let c = chaos(&fake, false).await;
    let name = c.partition("shop", "app=api").await.unwrap();
    let nps = fake.objects("NetworkPolicy");
    assert_eq!(nps.len(), 1);
    let np = &nps[0];
    assert_eq!(np["metadata"]["name"], name.as_str());
    assert_eq!(
        np["spec"]["podSelector"]["matchLabels"],
        json!({"app": "api"})
    );
    assert_eq!(np["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
    assert!(
        np["spec"].get("ingress").is_none() && np["spec"].get("egress").is_none(),
        "deny all"
    );
    assert_eq!(
        np["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "srehub-chaos"
    );
    assert_eq!(c.rollback().await, 0);
    assert!(fake.objects("NetworkPolicy").is_empty());
    assert!(fake.writes().last().unwrap().starts_with(&format!(
        "DELETE /apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/{name}"
    )));
}
