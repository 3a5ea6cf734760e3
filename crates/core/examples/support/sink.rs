//! A minimal SMTP server for the benchmarks: accepts every message, one thread per
//! connection; offers PIPELINING when asked; with a `delay`, each reply reaches the client
//! that long after the command that asked for it arrived (a network's round trip, modelled
//! by a writer thread that holds each reply until then).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// Starts the sink on a free loopback port and returns the port.
pub fn sink(pipelining: bool, delay: Duration) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || {
                let _ = s.set_nodelay(true);
                let mut w = s.try_clone().expect("clone");
                let mut reply: Box<dyn FnMut(&'static [u8]) -> bool> = if delay.is_zero() {
                    Box::new(move |r| w.write_all(r).is_ok())
                } else {
                    let (tx, rx) = std::sync::mpsc::channel::<(Instant, &'static [u8])>();
                    std::thread::spawn(move || {
                        for (due, r) in rx {
                            std::thread::sleep(due.saturating_duration_since(Instant::now()));
                            if w.write_all(r).is_err() {
                                break;
                            }
                        }
                    });
                    Box::new(move |r| tx.send((Instant::now() + delay, r)).is_ok())
                };
                let mut r = BufReader::new(s);
                reply(b"220 sink\r\n");
                let (mut line, mut data) = (String::new(), false);
                while r.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                    let answer: &'static [u8] = if data {
                        if line == ".\r\n" {
                            data = false;
                            b"250 queued\r\n"
                        } else {
                            b""
                        }
                    } else {
                        match line.get(..4).map(str::to_ascii_uppercase).as_deref() {
                            Some("EHLO") if pipelining => {
                                b"250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
                            }
                            Some("EHLO") => b"250-sink\r\n250 8BITMIME\r\n",
                            Some("DATA") => {
                                data = true;
                                b"354 go\r\n"
                            }
                            Some("QUIT") => {
                                reply(b"221 bye\r\n");
                                break;
                            }
                            _ => b"250 ok\r\n",
                        }
                    };
                    if !answer.is_empty() && !reply(answer) {
                        break;
                    }
                    line.clear();
                }
            });
        }
    });
    port
}
