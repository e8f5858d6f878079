//! One agent's connection to the venue: three FIFO channels with their own latency draws.
//!
//! Policy, exactly: a message sent at `now` on channel `c` arrives at
//! `max(now + d, last arrival on c)`, `d` one draw of the channel's [`LatencyDist`] from the
//! stream `latency/agent/{id}/{c}` (`c` = `submit`, `ack` or `market_data`). So a message never
//! overtakes an earlier one on the same channel, as on a TCP connection: a slow message holds up
//! the ones behind it (head-of-line blocking). Messages that end up with the same arrival time
//! keep their order through the event queue's sequence numbers, provided the caller schedules
//! them in the order it calls the wire. Every call draws exactly once, whether or not the FIFO
//! rule binds, so the draws do not depend on traffic timing.
//!
//! Calls on one channel must come in non-decreasing `now` (the simulator's clock). A deferred
//! publication (a leakage delay) is sent when it is published, not ahead of time, or it would
//! block the channel in the meantime.

use super::latency::{LatencyDist, LatencyProfile};
use crate::core::{AgentId, RepetitionSeed, SimTime, Stream};
use serde::{Deserialize, Serialize};

/// A direction of travel between one agent and the venue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Agent → venue: orders, cancels, amends, quotes, requests.
    Submit,
    /// Venue → this agent: acks, rejects, fills and other private reports.
    Ack,
    /// Venue → public feed, as this agent receives it.
    MarketData,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Submit, Channel::Ack, Channel::MarketData];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Submit => "submit",
            Channel::Ack => "ack",
            Channel::MarketData => "market_data",
        }
    }
}

#[derive(Debug)]
struct Lane {
    dist: LatencyDist,
    stream: Stream,
    last_arrival: SimTime,
}

/// The wire of one agent.
#[derive(Debug)]
pub struct AgentWire {
    agent: AgentId,
    lanes: [Lane; 3],
}

impl AgentWire {
    /// Opens the agent's three latency streams `latency/agent/{agent}/{channel}`. `profile` must
    /// be valid.
    pub fn new(agent: AgentId, profile: &LatencyProfile, seed: RepetitionSeed) -> AgentWire {
        Self::with_root(
            agent,
            profile,
            &seed.stream(&format!("latency/agent/{agent}")),
        )
    }

    /// Like [`AgentWire::new`], with the channel streams as children of `root`. The simulator
    /// names roots by role and index within the role (`latency/noise/3`), so adding an agent of
    /// one role never changes the latency draws of another role's agents.
    pub fn with_root(agent: AgentId, profile: &LatencyProfile, root: &Stream) -> AgentWire {
        let lane = |channel: Channel, dist: LatencyDist| Lane {
            dist,
            stream: root.child(channel.as_str()),
            last_arrival: SimTime::ZERO,
        };
        AgentWire {
            agent,
            lanes: [
                lane(Channel::Submit, profile.submit),
                lane(Channel::Ack, profile.ack),
                lane(Channel::MarketData, profile.market_data),
            ],
        }
    }

    pub fn agent(&self) -> AgentId {
        self.agent
    }

    /// When a message sent at `now` on `channel` arrives (FIFO, see the module docs).
    pub fn arrival(&mut self, channel: Channel, now: SimTime) -> SimTime {
        let lane = &mut self.lanes[channel as usize];
        let delay = lane.dist.sample(&mut lane.stream);
        lane.last_arrival = now.saturating_add(delay).max(lane.last_arrival);
        lane.last_arrival
    }

    /// When a message the agent sends now reaches the venue.
    pub fn submit_arrival(&mut self, now: SimTime) -> SimTime {
        self.arrival(Channel::Submit, now)
    }

    /// When a private report the venue sends now reaches the agent.
    pub fn ack_arrival(&mut self, now: SimTime) -> SimTime {
        self.arrival(Channel::Ack, now)
    }

    /// When public market data the venue publishes now reaches the agent.
    pub fn market_data_arrival(&mut self, now: SimTime) -> SimTime {
        self.arrival(Channel::MarketData, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn jittery() -> LatencyProfile {
        LatencyProfile {
            submit: LatencyDist::Pareto {
                scale_ns: 1_000,
                shape: 0.7,
                cap_ns: 50_000_000,
            },
            ack: LatencyDist::Uniform {
                min_ns: 0,
                max_ns: 1_000_000,
            },
            market_data: LatencyDist::Lognormal {
                median_ns: 20_000,
                sigma: 2.0,
                cap_ns: 10_000_000,
            },
        }
    }

    #[test]
    fn constant_latency_is_exact_on_every_channel() {
        let profile = LatencyProfile {
            submit: LatencyDist::Constant { ns: 100 },
            ack: LatencyDist::Constant { ns: 250 },
            market_data: LatencyDist::Constant { ns: 7 },
        };
        let mut w = AgentWire::new(AgentId(1), &profile, RepetitionSeed(1));
        assert_eq!(w.submit_arrival(SimTime(1_000)), SimTime(1_100));
        assert_eq!(w.ack_arrival(SimTime(1_000)), SimTime(1_250));
        assert_eq!(w.market_data_arrival(SimTime(1_000)), SimTime(1_007));
        assert_eq!(w.submit_arrival(SimTime(1_000)), SimTime(1_100));
        assert_eq!(w.submit_arrival(SimTime(5_000)), SimTime(5_100));
        assert_eq!(w.agent(), AgentId(1));
    }

    proptest! {
        /// Under heavy jitter, arrivals on each channel never go backwards, never precede the
        /// send, and are exactly `max(now + draw, previous arrival)` with the draws of the
        /// channel's own stream.
        #[test]
        fn channels_are_fifo_under_heavy_jitter(
            sends in proptest::collection::vec((0u64..3, 0u64..2_000_000), 1..300),
            seed in any::<u64>(),
        ) {
            let profile = jittery();
            let mut w = AgentWire::new(AgentId(9), &profile, RepetitionSeed(seed));
            let mut replay: Vec<(LatencyDist, Stream, SimTime)> = Channel::ALL
                .iter()
                .map(|c| {
                    let dist = [profile.submit, profile.ack, profile.market_data][*c as usize];
                    let name = format!("latency/agent/9/{}", c.as_str());
                    (dist, RepetitionSeed(seed).stream(&name), SimTime::ZERO)
                })
                .collect();
            let mut now = SimTime::ZERO;
            for (c, gap) in sends {
                now = SimTime(now.0 + gap);
                let channel = Channel::ALL[c as usize];
                let got = w.arrival(channel, now);
                let (dist, stream, last) = &mut replay[c as usize];
                let want = (now + dist.sample(stream)).max(*last);
                prop_assert_eq!(got, want);
                prop_assert!(got >= now && got >= *last);
                *last = got;
            }
        }
    }

    #[test]
    fn a_slow_message_holds_up_the_next_one() {
        // Find, deterministically, a pair where the second draw is faster than the first.
        let profile = LatencyProfile {
            submit: LatencyDist::Uniform {
                min_ns: 0,
                max_ns: 1_000,
            },
            ..LatencyProfile::constant(0)
        };
        let mut w = AgentWire::new(AgentId(0), &profile, RepetitionSeed(3));
        let mut held = 0;
        let mut prev = SimTime::ZERO;
        for k in 0..1_000u64 {
            let now = SimTime(k * 10);
            let a = w.submit_arrival(now);
            assert!(a >= prev);
            held += u32::from(a == prev && a > now);
            prev = a;
        }
        assert!(
            held > 0,
            "jitter of 0..1000 ns with 10 ns spacing must block sometimes"
        );
    }

    #[test]
    fn streams_are_per_agent_and_per_channel() {
        let seed = RepetitionSeed(21);
        let times: Vec<SimTime> = (0..200).map(|k| SimTime(k * 1_000_000)).collect();
        let mut alone = AgentWire::new(AgentId(3), &jittery(), seed);
        let solo: Vec<SimTime> = times.iter().map(|&t| alone.ack_arrival(t)).collect();

        // Agent 4 exists and is busy, and agent 3 also submits and reads market data.
        let mut three = AgentWire::new(AgentId(3), &jittery(), seed);
        let mut four = AgentWire::new(AgentId(4), &jittery(), seed);
        let mut crowded = Vec::new();
        for &t in &times {
            four.ack_arrival(t);
            four.submit_arrival(t);
            three.submit_arrival(t);
            three.market_data_arrival(t);
            crowded.push(three.ack_arrival(t));
        }
        assert_eq!(solo, crowded);

        let mut again = AgentWire::new(AgentId(3), &jittery(), seed);
        assert_eq!(
            times
                .iter()
                .map(|&t| again.ack_arrival(t))
                .collect::<Vec<_>>(),
            solo
        );
        let mut other = AgentWire::new(AgentId(4), &jittery(), seed);
        assert_ne!(
            times
                .iter()
                .map(|&t| other.ack_arrival(t))
                .collect::<Vec<_>>(),
            solo
        );
    }
}
