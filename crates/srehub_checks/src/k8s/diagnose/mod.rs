//! `srehub doctor diagnose`: what is broken now: pods, workloads, jobs, storage, services, node load.

pub mod pods;
pub mod workloads;
