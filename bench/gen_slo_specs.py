#!/usr/bin/env python3
"""Writes Sloth prometheus/v1 specs: SERVICES files of SLOS SLOs each (default 100 x 10 = 1,000 SLOs),
half events SLIs, half raw, every SLO with page and ticket alerts."""
import argparse
import os

p = argparse.ArgumentParser()
p.add_argument("dir")
p.add_argument("--services", type=int, default=100)
p.add_argument("--slos", type=int, default=10)
a = p.parse_args()
os.makedirs(a.dir, exist_ok=True)
for s in range(a.services):
    lines = [f'version: "prometheus/v1"', f"service: svc{s:03d}", "labels:", f"  team: team{s % 7}", "slos:"]
    for k in range(a.slos):
        lines += [
            f"  - name: slo{k}",
            f"    objective: {99 + (k % 10) / 10:.1f}",
            "    sli:",
        ]
        if k % 2 == 0:
            lines += [
                "      events:",
                f'        error_query: sum(rate(http_requests_total{{service="svc{s:03d}",route="/r{k}",code=~"5.."}}[{{{{.window}}}}]))',
                f'        total_query: sum(rate(http_requests_total{{service="svc{s:03d}",route="/r{k}"}}[{{{{.window}}}}]))',
            ]
        else:
            lines += [
                "      raw:",
                f'        error_ratio_query: 1 - avg_over_time(probe_success{{service="svc{s:03d}"}}[{{{{.window}}}}])',
            ]
        lines += [
            "    alerting:",
            f"      name: Svc{s:03d}Slo{k}",
            "      page_alert:",
            "        labels: {severity: page}",
            "      ticket_alert:",
            "        labels: {severity: ticket}",
        ]
    open(os.path.join(a.dir, f"svc{s:03d}.yml"), "w").write("\n".join(lines) + "\n")
