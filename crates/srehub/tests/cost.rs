//! `srehub cost` against a real Prometheus (Debian's package) with two days of cAdvisor and
//! kube-state-metrics series backfilled for a namespace with known usage.

#![allow(clippy::unwrap_used)]

mod common;

use std::fmt::Write as _;

use common::srehub_in;

const MI: u64 = 1024 * 1024;

fn history() -> String {
    let now = jiff::Timestamp::now().as_second() / 60 * 60 - 60;
    let minutes = 2 * 1440;
    let mut om = String::new();
    // OpenMetrics wants each metric family in one block: the families are written one by one.
    let mut put = |name: &str, labels: &str, v: f64, t: i64| {
        writeln!(om, "{name}{{namespace=\"shop\",{labels}}} {v} {t}").unwrap();
    };
    let pods = [
        ("api-7d9f-abc", "ReplicaSet", "api-7d9f", "api"),
        ("api-7d9f-def", "ReplicaSet", "api-7d9f", "api"),
        ("worker-0", "StatefulSet", "worker", "worker"),
        ("web-5c4d-xyz", "ReplicaSet", "web-5c4d", "web"),
    ];
    for m in 0..=minutes {
        let t = now - (minutes - m) * 60;
        for (pod, kind, owner, _) in pods {
            put(
                "kube_pod_owner",
                &format!("pod=\"{pod}\",owner_kind=\"{kind}\",owner_name=\"{owner}\""),
                1.0,
                t,
            );
        }
    }
    for m in 0..=minutes {
        let t = now - (minutes - m) * 60;
        put(
            "kube_replicaset_owner",
            "replicaset=\"api-7d9f\",owner_kind=\"Deployment\",owner_name=\"api\"",
            1.0,
            t,
        );
        put(
            "kube_replicaset_owner",
            "replicaset=\"web-5c4d\",owner_kind=\"Deployment\",owner_name=\"web\"",
            1.0,
            t,
        );
    }
    for m in 0..=minutes {
        let t = now - (minutes - m) * 60;
        for (pod, _, _, c) in pods {
            let (cpu, mem) = match c {
                "api" => (1.0, 1024 * MI),
                "worker" => (0.5, 256 * MI),
                _ => (0.5, 512 * MI),
            };
            put(
                "kube_pod_container_resource_requests",
                &format!("pod=\"{pod}\",container=\"{c}\",resource=\"cpu\""),
                cpu,
                t,
            );
            put(
                "kube_pod_container_resource_requests",
                &format!("pod=\"{pod}\",container=\"{c}\",resource=\"memory\""),
                mem as f64,
                t,
            );
        }
    }
    for m in 0..=minutes {
        let t = now - (minutes - m) * 60;
        put(
            "kube_pod_container_resource_limits",
            "pod=\"worker-0\",container=\"worker\",resource=\"memory\"",
            (256 * MI) as f64,
            t,
        );
    }
    for m in 0..=minutes {
        let t = now - (minutes - m) * 60;
        // 0.2 cores for the API pods, 0.3 for the others.
        for (pod, _, _, c) in pods {
            let rate = if c == "api" { 0.2 } else { 0.3 };
            put(
                "container_cpu_usage_seconds_total",
                &format!("pod=\"{pod}\",container=\"{c}\""),
                rate * 60.0 * m as f64,
                t,
            );
        }
    }
    for m in 0..=minutes {
        let t = now - (minutes - m) * 60;
        for (pod, _, _, c) in pods {
            let mem = match c {
                "api" => 280 * MI + (m as u64 % 20) * MI,
                "worker" => 200 * MI + (m as u64 % 50) * MI,
                _ => 100 * MI,
            };
            put(
                "container_memory_working_set_bytes",
                &format!("pod=\"{pod}\",container=\"{c}\""),
                mem as f64,
                t,
            );
        }
    }
    for m in 0..=minutes {
        let t = now - (minutes - m) * 60;
        put(
            "kube_pod_container_status_last_terminated_reason",
            "pod=\"worker-0\",container=\"worker\",reason=\"OOMKilled\"",
            if m > 600 { 1.0 } else { 0.0 },
            t,
        );
    }
    for m in 0..=minutes {
        let t = now - (minutes - m) * 60;
        put(
            "kube_horizontalpodautoscaler_info",
            "horizontalpodautoscaler=\"web\",scaletargetref_kind=\"Deployment\",scaletargetref_name=\"web\"",
            1.0,
            t,
        );
    }
    for m in 0..=minutes {
        let t = now - (minutes - m) * 60;
        put(
            "kube_horizontalpodautoscaler_spec_target_metric",
            "horizontalpodautoscaler=\"web\",metric_name=\"cpu\",metric_target_type=\"utilization\"",
            70.0,
            t,
        );
    }
    om
}

#[test]
fn right_sizing_from_real_prometheus() {
    let Some(prom) = srehub_test_support::prom::prometheus(&history(), &[], 60) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = srehub_in(dir.path())
        .args([
            "cost",
            "--prometheus",
            &prom.url,
            "-n",
            "shop",
            "--history",
            "2d",
            "-o",
            "json",
        ])
        .args(["--cpu-price", "0.03", "--memory-price", "0.004"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}\n{}", prom.log());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_string(),
                format!(
                    "{}/{}",
                    f["resource"]["kind"].as_str().unwrap(),
                    f["resource"]["name"].as_str().unwrap()
                ),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let find = |code: &str, res: &str| {
        f.iter()
            .find(|x| x.0 == code && x.1 == res)
            .unwrap_or_else(|| panic!("{code} {res}: {f:#?}"))
    };
    // Two pods of about 2,880 one-minute samples each (the window's edge may cut one or two).
    let over = &find("COST001", "Deployment/api").2;
    let (head, samples) = over.rsplit_once("; from ").unwrap();
    assert_eq!(
        head,
        "CPU request 1 for 200m used, memory request 1Gi for 344Mi needed: api wasted over 2 replica(s): 1.60 cores and 1.33 GiB (about 39 per month)"
    );
    let n: u64 = samples
        .strip_suffix(" usage samples")
        .unwrap()
        .parse()
        .unwrap();
    assert!((5750..=5762).contains(&n), "{n}");
    assert_eq!(
        find("COST003", "StatefulSet/worker").2,
        "worker/worker was OOM-killed (memory limit 256Mi, peak seen 249Mi); set memory to 320Mi"
    );
    assert_eq!(
        find("COST004", "Deployment/web").2,
        "web/web is scaled by an HPA on cpu: not resized"
    );

    let patch = srehub_in(dir.path())
        .args([
            "cost",
            "--prometheus",
            &prom.url,
            "-n",
            "shop",
            "--history",
            "2d",
            "-o",
            "patch",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(patch.stdout).unwrap();
    assert!(
        text.contains("# srehub cost: Deployment shop/api\napiVersion: apps/v1\nkind: Deployment"),
        "{text}"
    );
    assert!(text.contains("cpu: \"200m\""), "{text}");
    assert!(
        !text.contains("name: web"),
        "HPA-scaled workloads are not patched: {text}"
    );
}
