//! The nearest points of a set on a plane, found through a uniform grid: neighbour lists that cost
//! the cells around a point instead of a scan of every point.

/// Points bucketed into square cells over their bounding box, about four points to a cell.
pub struct Grid {
    x0: f64,
    y0: f64,
    cell: f64,
    /// `1 / cell`: bucketing multiplies (the margin in `nearest` covers its rounding).
    per_km: f64,
    /// Taken off the distance to the searched block's border before it bounds what lies beyond:
    /// far above the rounding of the border and of the bucketing, which grows with the size of
    /// the coordinates as much as with the cell.
    margin: f64,
    columns: usize,
    rows: usize,
    /// Points of cell `c` are `members[first[c]..first[c + 1]]`, in index order.
    first: Vec<usize>,
    members: Vec<usize>,
}

impl Grid {
    pub fn new(points: &[(f64, f64)]) -> Grid {
        let (mut x0, mut y0, mut x1, mut y1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
        for &(x, y) in points {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        let side = (x1 - x0).max(y1 - y0);
        // Below a few cells' worth a scan of all is cheaper than the rings.
        let per_side = if points.len() < 64 { 1 } else { (points.len() as f64 / 4.0).sqrt().ceil() as usize };
        let cell = if side > 0.0 && side.is_finite() { side / per_side as f64 } else { 1.0 };
        let mut grid = Grid {
            x0: if x0.is_finite() { x0 } else { 0.0 },
            y0: if y0.is_finite() { y0 } else { 0.0 },
            cell,
            per_km: 1.0 / cell,
            margin: (cell + [x0, y0, x1, y1].iter().fold(0.0, |m: f64, v| m.max(v.abs())).min(f64::MAX)) * 1e-9,
            columns: per_side,
            rows: per_side,
            first: vec![0; per_side * per_side + 1],
            members: vec![0; points.len()],
        };
        for &p in points {
            let c = grid.cell_of(p);
            grid.first[c + 1] += 1;
        }
        for c in 1..grid.first.len() {
            grid.first[c] += grid.first[c - 1];
        }
        // Counting sort from the back: each cell's members end up in index order.
        let mut end = grid.first[1..].to_vec();
        for (i, &p) in points.iter().enumerate().rev() {
            let c = grid.cell_of(p);
            end[c] -= 1;
            grid.members[end[c]] = i;
        }
        grid
    }

    fn column_row(&self, (x, y): (f64, f64)) -> (usize, usize) {
        let at = |v: f64, origin: f64, n: usize| (((v - origin) * self.per_km).max(0.0) as usize).min(n - 1);
        (at(x, self.x0, self.columns), at(y, self.y0, self.rows))
    }

    fn cell_of(&self, p: (f64, f64)) -> usize {
        let (c, r) = self.column_row(p);
        r * self.columns + c
    }

    /// The `k` points nearest `points[from]` among those `keep` admits (never `from` itself), by
    /// squared distance and then index: exactly the first `k` of all of them sorted so. They
    /// are left in `out` as `(squared distance, index)`, in no particular order.
    pub fn nearest(
        &self,
        points: &[(f64, f64)],
        from: usize,
        k: usize,
        keep: impl Fn(usize) -> bool,
        out: &mut Vec<(f64, usize)>,
    ) {
        out.clear();
        if k == 0 {
            return;
        }
        let (sx, sy) = points[from];
        let (c, r) = self.column_row((sx, sy));
        let by_distance = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
        for ring in 0.. {
            let (c0, c1) = (c.saturating_sub(ring), (c + ring).min(self.columns - 1));
            let (r0, r1) = (r.saturating_sub(ring), (r + ring).min(self.rows - 1));
            for row in r0..=r1 {
                let edge_row = row + ring == r || row == r + ring;
                // Of the ring's inner rows only its two end columns are new.
                let ends = [(c >= ring).then(|| c - ring), (ring > 0 && c + ring < self.columns).then_some(c + ring)];
                let columns: &mut dyn Iterator<Item = usize> =
                    if edge_row { &mut (c0..=c1) } else { &mut ends.into_iter().flatten() };
                for col in columns {
                    let cell = row * self.columns + col;
                    for &j in &self.members[self.first[cell]..self.first[cell + 1]] {
                        if j != from && keep(j) {
                            let (x, y) = points[j];
                            out.push(((x - sx).powi(2) + (y - sy).powi(2), j));
                        }
                    }
                }
            }
            let everything = c0 == 0 && r0 == 0 && c1 == self.columns - 1 && r1 == self.rows - 1;
            if everything {
                break;
            }
            if out.len() >= k {
                out.select_nth_unstable_by(k - 1, by_distance);
                // Every point outside the rings searched so far lies at least this far away
                // (less a margin for rounding at the cell borders).
                let gap = [
                    sx - (self.x0 + (c as f64 - ring as f64) * self.cell),
                    self.x0 + (c as f64 + 1.0) * self.cell + ring as f64 * self.cell - sx,
                    sy - (self.y0 + (r as f64 - ring as f64) * self.cell),
                    self.y0 + (r as f64 + 1.0) * self.cell + ring as f64 * self.cell - sy,
                ]
                .into_iter()
                .fold(f64::INFINITY, f64::min)
                    - self.margin;
                if gap > 0.0 && out[k - 1].0 < gap * gap {
                    break;
                }
            }
        }
        if out.len() > k {
            out.select_nth_unstable_by(k - 1, by_distance);
            out.truncate(k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn the_grid_finds_exactly_the_nearest_points_a_full_scan_finds() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        for case in 0..400 {
            let n = rng.random_range(1..300);
            // Clustered, spread, on a line, on a lattice (ties), all in one place, a tiny spread far
            // from the origin.
            let points: Vec<(f64, f64)> = (0..n)
                .map(|_| match case % 6 {
                    0 => (rng.random_range(0.0..5.0), rng.random_range(0.0..5.0)),
                    1 => (rng.random_range(-80.0..80.0), rng.random_range(-3.0..90.0)),
                    2 => (rng.random_range(0.0..50.0), 7.0),
                    3 => (rng.random_range(0..6) as f64, rng.random_range(0..6) as f64),
                    4 => (1.5, -2.0),
                    _ => (1e4 + rng.random_range(0.0..1e-3), -2e4 + rng.random_range(0.0..1e-3)),
                })
                .collect();
            let grid = Grid::new(&points);
            let taken: Vec<bool> = (0..n).map(|_| rng.random_bool(0.3)).collect();
            let mut out = Vec::new();
            for from in 0..n {
                let k = rng.random_range(0..20);
                grid.nearest(&points, from, k, |j| !taken[j], &mut out);
                let mut got: Vec<usize> = out.iter().map(|&(_, j)| j).collect();
                got.sort_unstable();
                let (sx, sy) = points[from];
                let mut all: Vec<(f64, usize)> = (0..n)
                    .filter(|&j| j != from && !taken[j])
                    .map(|j| ((points[j].0 - sx).powi(2) + (points[j].1 - sy).powi(2), j))
                    .collect();
                all.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let mut want: Vec<usize> = all.iter().take(k).map(|&(_, j)| j).collect();
                want.sort_unstable();
                assert_eq!(got, want, "case {case}, from {from}, k {k}");
            }
        }
    }
}
