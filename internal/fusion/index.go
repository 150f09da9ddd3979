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

type index struct {
	cells     map[uint64][]int32
	populated [len(spaceLevelKm)][len(timeLevelMin)]int
}

func newIndex() index { return index{cells: make(map[uint64][]int32)} }

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
	k := cellKey(ls, lt, int64(math.Floor(it.lat*180/math.Pi/deg)), int64(math.Floor(it.lon*180/math.Pi/deg)), int64(math.Floor((it.s+it.e)/2/bucketMin(lt))))
	x.cells[k] = append(x.cells[k], id)
	x.populated[ls][lt]++
}

// query calls found for every item whose centre lies within reachKm of q's
// centre plus the item's own level reach, and whose mid time lies within
// q's window widened by the item's level half-width.
func (x *index) query(q *item, reachKm float64, found func(id int32)) {
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
		for lt := range timeLevelMin {
			if x.populated[ls][lt] == 0 {
				continue
			}
			h := half + timeLevelMin[lt]
			b := bucketMin(lt)
			b0, b1 := int64(math.Floor((mid-h)/b)), int64(math.Floor((mid+h)/b))
			for cy := y0; cy <= y1; cy++ {
				for cx := x0; cx <= x1; cx++ {
					for bt := b0; bt <= b1; bt++ {
						for _, id := range x.cells[cellKey(ls, lt, cy, cx, bt)] {
							found(id)
						}
					}
				}
			}
		}
	}
}
