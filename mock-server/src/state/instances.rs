//! Instances (UHosts) and their state machine.
//!
//! `Initializing → Running`, `Stopped → Starting → Running`,
//! `Running → Stopping → Stopped`, `Running → Rebooting → Running`; a
//! transitional state settles after its duration on the virtual clock.
//! Terminated instances are gone.

use serde::{Deserialize, Serialize};

/// The state of an instance, as `State` shows it on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InstanceState {
    /// Being created or reinstalled; becomes Running.
    Initializing,
    /// Up.
    Running,
    /// Going down; becomes Stopped.
    Stopping,
    /// Down.
    Stopped,
    /// Coming up; becomes Running.
    Starting,
    /// Restarting; becomes Running.
    Rebooting,
}

impl InstanceState {
    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceState::Initializing => "Initializing",
            InstanceState::Running => "Running",
            InstanceState::Stopping => "Stopping",
            InstanceState::Stopped => "Stopped",
            InstanceState::Starting => "Starting",
            InstanceState::Rebooting => "Rebooting",
        }
    }
}

/// A disk of an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disk {
    /// `bsm-…` id.
    pub disk_id: String,
    /// `CLOUD_SSD`.
    pub disk_type: String,
    /// Whether it is the boot disk.
    pub is_boot: bool,
    /// Size in GB.
    pub size: i64,
}

/// An instance of an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// `uhost-…` id.
    pub uhost_id: String,
    /// The owning account.
    pub account_id: String,
    /// Name.
    pub name: String,
    /// Zone it lives in.
    pub zone: String,
    /// Current state.
    pub state: InstanceState,
    /// Where a transitional state is heading and when it gets there.
    pub pending: Option<(i64, InstanceState)>,
    /// CPU cores.
    pub cpu: i64,
    /// Memory in MB.
    pub memory: i64,
    /// GPU count.
    pub gpu: i64,
    /// GPU type (`4090`, …).
    pub gpu_type: String,
    /// `G`.
    pub machine_type: String,
    /// `Dynamic`, `Month`, …
    pub charge_type: String,
    /// The image it was created (or reinstalled) from.
    pub image_id: String,
    /// That image's name.
    pub image_name: String,
    /// That image's type.
    pub image_type: String,
    /// Disks, the boot disk first.
    pub disks: Vec<Disk>,
    /// Private IP.
    pub ip: String,
    /// Epoch seconds.
    pub create_time: i64,
    /// Last start, epoch seconds.
    pub start_time: i64,
    /// Last stop, epoch seconds (0 if never).
    pub stop_time: i64,
    /// Hourly price of the instance.
    pub price: f64,
    /// A UUID.
    pub uuid: String,
    /// Creation sequence number, for listing order.
    pub seq: u64,
}

impl Instance {
    /// Applies a transition that is due at `now`.
    pub fn settle(&mut self, now: i64) {
        if let Some((at, target)) = self.pending {
            if at <= now {
                self.state = target;
                self.pending = None;
                match target {
                    InstanceState::Running => self.start_time = at,
                    InstanceState::Stopped => self.stop_time = at,
                    _ => {}
                }
            }
        }
    }

    /// Enters `through` now, heading for `target` after `seconds`.
    pub fn begin(&mut self, now: i64, through: InstanceState, target: InstanceState, seconds: u64) {
        if seconds == 0 {
            self.state = through;
            self.pending = Some((now, target));
            self.settle(now);
        } else {
            self.state = through;
            self.pending = Some((now.saturating_add(seconds as i64), target));
        }
    }

    /// Total disk space in GB.
    pub fn total_disk_space(&self) -> i64 {
        self.disks.iter().map(|d| d.size).sum()
    }
}
