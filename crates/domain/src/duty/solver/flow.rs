//! Min-cost max-flow (successive shortest paths with potentials; the networks here have no
//! cycles to begin with, so the first potentials exist).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

pub(crate) struct Flow {
    head: Vec<usize>,
    to: Vec<usize>,
    cap: Vec<i64>,
    cost: Vec<i64>,
    next: Vec<usize>,
}

const NONE: usize = usize::MAX;

impl Flow {
    pub fn new(nodes: usize) -> Self {
        Flow {
            head: vec![NONE; nodes],
            to: Vec::new(),
            cap: Vec::new(),
            cost: Vec::new(),
            next: Vec::new(),
        }
    }

    pub fn node(&mut self) -> usize {
        self.head.push(NONE);
        self.head.len() - 1
    }

    /// An arc `a → b`; returns its id (for [`Flow::flow`]).
    pub fn arc(&mut self, a: usize, b: usize, cap: i64, cost: i64) -> usize {
        let id = self.to.len();
        for (from, to, c, k) in [(a, b, cap, cost), (b, a, 0, -cost)] {
            self.to.push(to);
            self.cap.push(c);
            self.cost.push(k);
            self.next.push(self.head[from]);
            self.head[from] = self.to.len() - 1;
        }
        id
    }

    /// Flow on an arc.
    pub fn flow(&self, arc: usize) -> i64 {
        self.cap[arc ^ 1]
    }

    /// Push as much as possible from `s` to `t` at the least cost: Bellman–Ford once for the
    /// potentials (costs may be negative), then Dijkstra on reduced costs per augmentation.
    pub fn run(&mut self, s: usize, t: usize) -> i64 {
        let n = self.head.len();
        let mut total = 0;
        let mut potential = self.bellman_ford(s);
        let mut dist = vec![i64::MAX; n];
        let mut via = vec![NONE; n];
        let mut heap = BinaryHeap::new();
        loop {
            dist.fill(i64::MAX);
            via.fill(NONE);
            dist[s] = 0;
            heap.push(Reverse((0i64, s)));
            while let Some(Reverse((d, u))) = heap.pop() {
                if d > dist[u] {
                    continue;
                }
                // Settled the sink: the rest can wait (their potentials grow by its distance).
                if u == t {
                    break;
                }
                let mut e = self.head[u];
                while e != NONE {
                    let v = self.to[e];
                    if self.cap[e] > 0 && potential[v] != i64::MAX {
                        let nd = d + self.cost[e] + potential[u] - potential[v];
                        if nd < dist[v] {
                            dist[v] = nd;
                            via[v] = e;
                            heap.push(Reverse((nd, v)));
                        }
                    }
                    e = self.next[e];
                }
            }
            if dist[t] == i64::MAX {
                return total;
            }
            heap.clear();
            let reach = dist[t];
            for v in 0..n {
                if potential[v] != i64::MAX {
                    potential[v] += dist[v].min(reach);
                }
            }
            let mut push = i64::MAX;
            let mut v = t;
            while v != s {
                let e = via[v];
                push = push.min(self.cap[e]);
                v = self.to[e ^ 1];
            }
            let mut v = t;
            while v != s {
                let e = via[v];
                self.cap[e] -= push;
                self.cap[e ^ 1] += push;
                v = self.to[e ^ 1];
            }
            total += push;
        }
    }

    /// Shortest distances from `s` over arcs with room (`i64::MAX`: unreachable).
    fn bellman_ford(&self, s: usize) -> Vec<i64> {
        let n = self.head.len();
        let mut dist = vec![i64::MAX; n];
        let mut queued = vec![false; n];
        dist[s] = 0;
        let mut queue = VecDeque::from([s]);
        while let Some(u) = queue.pop_front() {
            queued[u] = false;
            let mut e = self.head[u];
            while e != NONE {
                let v = self.to[e];
                if self.cap[e] > 0 && dist[u] + self.cost[e] < dist[v] {
                    dist[v] = dist[u] + self.cost[e];
                    if !queued[v] {
                        queued[v] = true;
                        queue.push_back(v);
                    }
                }
                e = self.next[e];
            }
        }
        dist
    }
}
