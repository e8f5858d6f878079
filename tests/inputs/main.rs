//! What a user hands Proteus: scenario files (`scenario`) and hostile input, hand-written
//! (`hostile_inputs`) and fuzzed (`hostile_fuzz`).

#[allow(dead_code)]
#[path = "../support/mod.rs"]
mod support;

mod hostile_fuzz;
mod hostile_inputs;
mod scenario;
