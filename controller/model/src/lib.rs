//! Types shared by the agent, the RMN, the simulator and the protocol: reports, actions, configuration.
