//! The wire between agents and a venue.
