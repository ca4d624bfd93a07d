//! What one node tells the others over the cluster's Redis channel: a
//! broadcast, or a publish to a room, carried as the WebSocket frame already
//! built by the sender, so each message is framed once and every receiving
//! node writes the same bytes to its connections.
//!
//! Layout (all integers big-endian):
//! `"SWRS" | version u8 (1) | origin node u64 | kind u8 | [room len u16 | room] | frame`
//! where kind 1 is a broadcast (no room) and 2 a room publish.

/// The largest room name (bytes).
pub const MAX_ROOM_NAME: usize = 255;

const MAGIC: &[u8; 4] = b"SWRS";
const VERSION: u8 = 1;

/// One message between nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// The node that sent it: a node skips its own messages, which Redis
    /// echoes back to it.
    pub origin: u64,
    pub target: Target<'a>,
    /// A complete, unmasked WebSocket frame.
    pub frame: &'a [u8],
}

/// Who a message is for on the receiving node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    /// Every established WebSocket connection.
    Everyone,
    /// The members of a room.
    Room(&'a [u8]),
}

/// Why bytes on the channel are not a message of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusError(pub &'static str);

impl std::fmt::Display for BusError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not a swoole-rs cluster message: {}", self.0)
    }
}

impl Envelope<'_> {
    pub fn encode(&self) -> Vec<u8> {
        let room = match self.target {
            Target::Everyone => None,
            Target::Room(r) => Some(&r[..r.len().min(MAX_ROOM_NAME)]),
        };
        let mut out = Vec::with_capacity(16 + room.map_or(0, |r| r.len() + 2) + self.frame.len());
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&self.origin.to_be_bytes());
        match room {
            None => out.push(1),
            Some(r) => {
                out.push(2);
                out.extend_from_slice(&(r.len() as u16).to_be_bytes());
                out.extend_from_slice(r);
            }
        }
        out.extend_from_slice(self.frame);
        out
    }

    pub fn decode(buf: &[u8]) -> Result<Envelope<'_>, BusError> {
        let rest = buf.strip_prefix(MAGIC).ok_or(BusError("no magic"))?;
        let (&version, rest) = rest.split_first().ok_or(BusError("truncated"))?;
        if version != VERSION {
            return Err(BusError("unknown version"));
        }
        let (origin, rest) = rest.split_at_checked(8).ok_or(BusError("truncated"))?;
        let origin = u64::from_be_bytes(origin.try_into().map_err(|_| BusError("truncated"))?);
        let (&kind, rest) = rest.split_first().ok_or(BusError("truncated"))?;
        let (target, frame) = match kind {
            1 => (Target::Everyone, rest),
            2 => {
                let (len, rest) = rest.split_at_checked(2).ok_or(BusError("truncated"))?;
                let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
                if len > MAX_ROOM_NAME {
                    return Err(BusError("room name too long"));
                }
                let (room, frame) = rest.split_at_checked(len).ok_or(BusError("truncated"))?;
                (Target::Room(room), frame)
            }
            _ => return Err(BusError("unknown kind")),
        };
        if frame.is_empty() {
            return Err(BusError("no frame"));
        }
        Ok(Envelope {
            origin,
            target,
            frame,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_both_kinds() {
        for target in [Target::Everyone, Target::Room(b"lobby"), Target::Room(b"")] {
            let e = Envelope {
                origin: 0x0102_0304_0506_0708,
                target,
                frame: b"\x81\x02hi",
            };
            let bytes = e.encode();
            assert_eq!(Envelope::decode(&bytes), Ok(e));
        }
    }

    #[test]
    fn exact_bytes() {
        let e = Envelope {
            origin: 1,
            target: Target::Room(b"r"),
            frame: b"\x81\x00",
        };
        assert_eq!(
            e.encode(),
            b"SWRS\x01\x00\x00\x00\x00\x00\x00\x00\x01\x02\x00\x01r\x81\x00".to_vec()
        );
    }

    #[test]
    fn refuses_foreign_and_truncated_messages() {
        let good = Envelope {
            origin: 7,
            target: Target::Room(b"room"),
            frame: b"\x81\x01x",
        }
        .encode();
        for cut in 0..good.len() - 3 {
            assert!(Envelope::decode(&good[..cut]).is_err(), "cut at {cut}");
        }
        assert!(Envelope::decode(b"hello from another app").is_err());
        let mut wrong_version = good.clone();
        wrong_version[4] = 9;
        assert!(Envelope::decode(&wrong_version).is_err());
        let mut wrong_kind = good;
        wrong_kind[13] = 3;
        assert!(Envelope::decode(&wrong_kind).is_err());
    }
}
