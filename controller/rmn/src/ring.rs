//! A fixed-capacity ring of samples: the load collector's history table.

/// Keeps the last `capacity` samples, oldest first. Memory is allocated once,
/// at the first push, and never grows.
#[derive(Debug, Clone)]
pub struct Ring<T> {
    capacity: usize,
    /// Index of the oldest sample once the ring is full.
    head: usize,
    items: Vec<T>,
}

impl<T: Copy> Ring<T> {
    /// An empty ring holding at most `capacity` samples (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            head: 0,
            items: Vec::new(),
        }
    }

    /// Appends a sample, dropping the oldest when full.
    pub fn push(&mut self, item: T) {
        if self.items.len() < self.capacity {
            if self.items.capacity() == 0 {
                self.items.reserve_exact(self.capacity);
            }
            self.items.push(item);
        } else {
            self.items[self.head] = item;
            self.head = (self.head + 1) % self.capacity;
        }
    }

    /// Number of samples held.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether no sample was pushed yet.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The newest sample.
    pub fn latest(&self) -> Option<T> {
        if self.items.is_empty() {
            return None;
        }
        let newest = if self.items.len() < self.capacity {
            self.items.len() - 1
        } else {
            (self.head + self.capacity - 1) % self.capacity
        };
        self.items.get(newest).copied()
    }

    /// The last `n` samples (fewer if the ring holds fewer), oldest first.
    pub fn last_n(&self, n: usize) -> impl Iterator<Item = T> + '_ {
        let len = self.items.len();
        let take = n.min(len);
        let start = if len < self.capacity { 0 } else { self.head };
        (len - take..len).map(move |logical| self.items[(start + logical) % len.max(1)])
    }

    /// Bytes of heap this ring owns (for the memory benchmark).
    pub fn heap_bytes(&self) -> usize {
        self.items.capacity() * std::mem::size_of::<T>()
    }
}

#[cfg(test)]
mod tests {
    use super::Ring;

    #[test]
    fn keeps_the_last_capacity_samples_in_order() {
        let mut ring = Ring::new(3);
        assert_eq!(ring.latest(), None);
        for v in 1..=5 {
            ring.push(v);
        }
        assert_eq!(ring.len(), 3);
        assert_eq!(ring.latest(), Some(5));
        assert_eq!(ring.last_n(10).collect::<Vec<_>>(), vec![3, 4, 5]);
        assert_eq!(ring.last_n(2).collect::<Vec<_>>(), vec![4, 5]);
    }

    #[test]
    fn partial_ring_reads_in_push_order() {
        let mut ring = Ring::new(4);
        ring.push(7);
        ring.push(8);
        assert_eq!(ring.last_n(4).collect::<Vec<_>>(), vec![7, 8]);
        assert_eq!(ring.latest(), Some(8));
    }
}
