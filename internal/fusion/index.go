package fusion

import "math"

// The space-time index is a loose hierarchical grid. An item sits in one
// cell of one level, chosen by its size: spatial level ls holds regions of
// radius at most spaceLevelKm[ls] in cells twice that wide; time level lt
// holds windows of half-width at most timeLevelMin[lt] in buckets twice that
// long. A query visits, on every populated level, the cells within its own
// reach plus that level's largest item reach, so no item whose region meets
// the query's is missed, and small items are never compared with the whole
// map.
var (
	spaceLevelKm = [...]float64{2, 12, 40, 120, 600}
	timeLevelMin = [...]float64{45, 360, 1500, 7 * 1440, 45 * 1440}
)

const kmPerDegree = earthKm * math.Pi / 180

// A query of a big region visits thousands of cells of a fine level, most
// of them empty; so every level's time bucket also lists its items with
// their cells, and a query scans that list instead of probing cells when it
// is the shorter way.
type index struct {
	cells     map[uint64][]int32
	buckets   map[uint64][]entry // cellKey(ls, lt, 0, 0, bt) -> items of the bucket
	populated [len(spaceLevelKm)][len(timeLevelMin)]int
	// minLogArea and minLogWidth are the least item.logArea and
	// item.logWidth on each level, so a query can skip levels whose items
	// could not score well enough with it.
	minLogArea, minLogWidth [len(spaceLevelKm)][len(timeLevelMin)]float64
}

type entry struct {
	id     int32
	cy, cx int32
}

func newIndex() index {
	return index{cells: make(map[uint64][]int32), buckets: make(map[uint64][]entry)}
}

func levelOf(levels []float64, size float64) int {
	for i, l := range levels {
		if size <= l {
			return i
		}
	}
	return len(levels) - 1
}

func cellKey(ls, lt int, cy, cx, bt int64) uint64 {
	return uint64(ls)<<61 | uint64(lt)<<58 | uint64(cy+1<<15)&0xffff<<42 | uint64(cx+1<<15)&0xffff<<26 | uint64(bt+1<<25)&0x3ffffff
}

func cellSizeDeg(ls int) float64 { return 2 * spaceLevelKm[ls] / kmPerDegree }

func bucketMin(lt int) float64 { return 2 * timeLevelMin[lt] }

func (x *index) insert(id int32, it *item) {
	ls := levelOf(spaceLevelKm[:], it.radius)
	lt := levelOf(timeLevelMin[:], (it.e-it.s)/2)
	deg := cellSizeDeg(ls)
	cy, cx := int64(math.Floor(it.lat*180/math.Pi/deg)), int64(math.Floor(it.lon*180/math.Pi/deg))
	bt := int64(math.Floor((it.s + it.e) / 2 / bucketMin(lt)))
	k := cellKey(ls, lt, cy, cx, bt)
	x.cells[k] = append(x.cells[k], id)
	bk := cellKey(ls, lt, 0, 0, bt)
	x.buckets[bk] = append(x.buckets[bk], entry{id: id, cy: int32(cy), cx: int32(cx)})
	if x.populated[ls][lt] == 0 || it.logArea < x.minLogArea[ls][lt] {
		x.minLogArea[ls][lt] = it.logArea
	}
	if x.populated[ls][lt] == 0 || it.logWidth < x.minLogWidth[ls][lt] {
		x.minLogWidth[ls][lt] = it.logWidth
	}
	x.populated[ls][lt]++
}

// query calls found for every item whose centre lies within reachKm of q's
// centre plus the item's own level reach, and whose mid time lies within
// q's window widened by the item's level half-width. Levels where no item
// can have -max(logArea) - max(logWidth) + budget > 0 with q are skipped;
// an infinite budget skips none. ownLevelExtra is added to the budget on
// q's own spatial level, where reports of the very same place are.
func (x *index) query(q *item, reachKm, budget, ownLevelExtra float64, found func(id int32)) {
	own := levelOf(spaceLevelKm[:], q.radius)
	latDeg, lonDeg := q.lat*180/math.Pi, q.lon*180/math.Pi
	mid := (q.s + q.e) / 2
	half := (q.e - q.s) / 2
	for ls := range spaceLevelKm {
		r := reachKm + spaceLevelKm[ls] + 1
		dLat := r / kmPerDegree
		maxLat := math.Min(89.9, math.Abs(latDeg)+dLat)
		dLon := dLat / math.Cos(maxLat*math.Pi/180)
		deg := cellSizeDeg(ls)
		y0, y1 := int64(math.Floor((latDeg-dLat)/deg)), int64(math.Floor((latDeg+dLat)/deg))
		x0, x1 := int64(math.Floor((lonDeg-dLon)/deg)), int64(math.Floor((lonDeg+dLon)/deg))
		b := budget
		if ls == own {
			b += ownLevelExtra
		}
		for lt := range timeLevelMin {
			if x.populated[ls][lt] == 0 || -max(q.logArea, x.minLogArea[ls][lt])-max(q.logWidth, x.minLogWidth[ls][lt])+b <= 0 {
				continue
			}
			h := half + timeLevelMin[lt]
			bw := bucketMin(lt)
			b0, b1 := int64(math.Floor((mid-h)/bw)), int64(math.Floor((mid+h)/bw))
			ncells := int((y1 - y0 + 1) * (x1 - x0 + 1))
			for bt := b0; bt <= b1; bt++ {
				ents, ok := x.buckets[cellKey(ls, lt, 0, 0, bt)]
				if !ok {
					continue
				}
				if len(ents) <= 4*ncells {
					for _, en := range ents {
						if cy, cx := int64(en.cy), int64(en.cx); cy >= y0 && cy <= y1 && cx >= x0 && cx <= x1 {
							found(en.id)
						}
					}
					continue
				}
				for cy := y0; cy <= y1; cy++ {
					for cx := x0; cx <= x1; cx++ {
						for _, id := range x.cells[cellKey(ls, lt, cy, cx, bt)] {
							found(id)
						}
					}
				}
			}
		}
	}
}
