//! What a user hands Proteus: scenario files (`scenario`) and hostile input, hand-written
//! (`hostile_inputs`) and fuzzed (`hostile_fuzz`).

mod hostile_fuzz;
mod hostile_inputs;
mod scenario;
