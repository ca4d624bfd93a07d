//! A System V message queue (`Swoole\Process::useQueue()`, `push()`,
//! `pop()`): the queue a parent and its children share by key, with
//! Swoole's modes (one type per process, or any message to any reader)
//! and its blocking switch.

use std::io;

/// Swoole's largest message (`SW_MSGMAX`).
pub const MSG_MAX: usize = 65536;

/// An open queue.
#[derive(Debug, Clone, Copy)]
pub struct MsgQueue {
    id: i32,
    nowait: bool,
}

/// What `msgsnd`/`msgrcv` move: the type, then the bytes.
#[repr(C)]
struct Node {
    mtype: libc::c_long,
    data: [u8; MSG_MAX],
}

fn errno() -> i32 {
    io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

impl MsgQueue {
    /// Opens (creating it if needed, mode 0666) the queue of `key`.
    pub fn open(key: libc::key_t, nowait: bool) -> Result<MsgQueue, i32> {
        // SAFETY: msgget has no memory arguments.
        let id = unsafe { libc::msgget(key, libc::IPC_CREAT | 0o666) };
        if id < 0 {
            return Err(errno());
        }
        Ok(MsgQueue { id, nowait })
    }

    pub fn id(&self) -> i32 {
        self.id
    }

    /// The same queue, its calls not waiting (EAGAIN, ENOMSG).
    pub fn without_waiting(&self) -> MsgQueue {
        MsgQueue {
            id: self.id,
            nowait: true,
        }
    }

    fn flags(&self) -> i32 {
        if self.nowait {
            libc::IPC_NOWAIT
        } else {
            0
        }
    }

    /// Sends `data` as a message of type `mtype` (> 0), waiting for room
    /// unless the queue does not wait (EAGAIN).
    pub fn push(&self, mtype: i64, data: &[u8]) -> Result<(), i32> {
        if data.len() >= MSG_MAX {
            return Err(libc::E2BIG);
        }
        let mut node = Box::new(Node {
            mtype: mtype as libc::c_long,
            data: [0; MSG_MAX],
        });
        node.data[..data.len()].copy_from_slice(data);
        loop {
            // SAFETY: `node` holds a type and data.len() bytes after it.
            let rc = unsafe {
                libc::msgsnd(
                    self.id,
                    (&*node as *const Node).cast(),
                    data.len(),
                    self.flags(),
                )
            };
            if rc == 0 {
                return Ok(());
            }
            match errno() {
                libc::EINTR => continue,
                e => return Err(e),
            }
        }
    }

    /// Receives a message of type `mtype` (0: any), at most `max` bytes,
    /// waiting for one unless the queue does not wait (ENOMSG).
    pub fn pop(&self, mtype: i64, max: usize) -> Result<Vec<u8>, i32> {
        let max = max.clamp(1, MSG_MAX);
        let mut node = Box::new(Node {
            mtype: 0,
            data: [0; MSG_MAX],
        });
        // SAFETY: `node` has room for a type and MSG_MAX >= max bytes.
        let n = unsafe {
            libc::msgrcv(
                self.id,
                (&mut *node as *mut Node).cast(),
                max,
                mtype as libc::c_long,
                self.flags(),
            )
        };
        if n < 0 {
            return Err(errno());
        }
        Ok(node.data[..n as usize].to_vec())
    }

    /// (messages, bytes) in the queue.
    pub fn stat(&self) -> Result<(u64, u64), i32> {
        // SAFETY: msgctl IPC_STAT fills a msqid_ds we own.
        let mut ds: libc::msqid_ds = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        if unsafe { libc::msgctl(self.id, libc::IPC_STAT, &mut ds) } != 0 {
            return Err(errno());
        }
        Ok((ds.msg_qnum as u64, ds.__msg_cbytes as u64))
    }

    /// Sets how many bytes the queue may hold.
    pub fn set_capacity(&self, bytes: u64) -> Result<(), i32> {
        // SAFETY: as in stat, then IPC_SET with the same struct.
        unsafe {
            let mut ds: libc::msqid_ds = std::mem::zeroed();
            if libc::msgctl(self.id, libc::IPC_STAT, &mut ds) != 0 {
                return Err(errno());
            }
            ds.msg_qbytes = bytes as libc::msglen_t;
            if libc::msgctl(self.id, libc::IPC_SET, &mut ds) != 0 {
                return Err(errno());
            }
        }
        Ok(())
    }

    /// Removes the queue (for every process using it).
    pub fn destroy(&self) -> Result<(), i32> {
        // SAFETY: msgctl IPC_RMID takes no buffer.
        if unsafe { libc::msgctl(self.id, libc::IPC_RMID, std::ptr::null_mut()) } != 0 {
            return Err(errno());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_go_round_by_type() {
        let q = MsgQueue::open(libc::IPC_PRIVATE, true).unwrap();
        q.push(2, b"for two").unwrap();
        q.push(1, b"for one").unwrap();
        assert_eq!(q.stat().unwrap(), (2, 14));
        assert_eq!(q.pop(1, 100).unwrap(), b"for one");
        assert_eq!(q.pop(0, 100).unwrap(), b"for two");
        // Empty, and not waiting: ENOMSG.
        assert_eq!(q.pop(0, 100), Err(libc::ENOMSG));
        assert_eq!(q.push(1, &vec![0; MSG_MAX]), Err(libc::E2BIG));
        // Too small a buffer: E2BIG, the message stays.
        q.push(1, b"0123456789").unwrap();
        assert_eq!(q.pop(0, 4), Err(libc::E2BIG));
        assert_eq!(q.pop(0, 100).unwrap(), b"0123456789");
        q.destroy().unwrap();
        assert!(q.stat().is_err());
    }
}
