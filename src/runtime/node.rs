//! What the processes of one node share beyond the connection table: the
//! room memberships and, with the `cluster` setting, the Redis bus to the
//! other nodes. Made by `start()` before any fork, so every worker and
//! reactor thread gets the same rooms and the same node id.

use std::rc::Rc;
use std::sync::Arc;

use super::bus::{self, BusConfig, Publisher};
use super::rooms::RoomMap;
use super::{Server, Settings};

#[derive(Clone)]
pub struct Node {
    pub rooms: &'static RoomMap,
    pub bus: Option<Arc<BusConfig>>,
    /// Tells this node's messages on the bus from other nodes'.
    pub id: u64,
}

impl Node {
    /// Maps the rooms and checks the `cluster` setting; with `'required'
    /// => true`, Redis must answer now. Err is for start() to throw.
    pub fn new(settings: &Settings) -> Result<Node, String> {
        let bus = match &settings.cluster {
            None => None,
            Some(Err(e)) => return Err(format!("cluster: {e}")),
            Some(Ok(cfg)) => {
                if cfg.required {
                    bus::probe(cfg)
                        .map_err(|e| format!("cluster: cannot reach Redis at {}: {e}", cfg.url))?;
                }
                Some(Arc::new(cfg.clone()))
            }
        };
        let rooms = RoomMap::new(settings.room_capacity())
            .map_err(|e| format!("cannot map the room table: {e}"))?;
        Ok(Node {
            rooms,
            bus,
            id: bus::new_node_id(),
        })
    }

    /// In a runtime that owns connections, inside its event loop: closed
    /// connections leave their rooms, and what other nodes publish reaches
    /// this runtime's connections. `log_outages`: this runtime reports bus
    /// outages for the node (one per node does).
    pub fn attach_owner(&self, rt: &Rc<Server>, log_outages: bool) {
        rt.table.set_rooms(self.rooms);
        if let Some(cfg) = &self.bus {
            tokio::task::spawn_local(bus::subscribe(
                cfg.clone(),
                self.id,
                rt.clone(),
                Some(self.rooms),
                log_outages,
            ));
        }
    }

    /// In a process that runs PHP, inside its event loop: the sending end
    /// of the bus, when the node is in a cluster.
    pub fn start_publisher(&self) -> Option<Rc<Publisher>> {
        let cfg = self.bus.as_ref()?;
        Some(Publisher::start(cfg.clone(), self.id))
    }
}
