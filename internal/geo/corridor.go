package geo

import "math"

// Bearing returns the initial bearing of the great circle from a to b, in
// degrees clockwise from true north, in [0, 360).
func Bearing(a, b Point) float64 {
	φ1, φ2 := radians(a.Lat), radians(b.Lat)
	Δλ := radians(b.Lon - a.Lon)
	y := math.Sin(Δλ) * math.Cos(φ2)
	x := math.Cos(φ1)*math.Sin(φ2) - math.Sin(φ1)*math.Cos(φ2)*math.Cos(Δλ)
	return math.Mod(degrees(math.Atan2(y, x))+360, 360)
}

// CorridorOutline returns the ring a corridor of widthMetres covers around
// its centre line, for drawing: each vertex is offset by half the width on
// both sides, geodesically, perpendicular to the mean direction of the two
// segments meeting there (and pushed out at a bend so that the width holds
// along both segments). The ends are square. It is a picture of the
// corridor, not a test of membership: WithinCorridor is that. A line of
// fewer than two points or a width that is not positive gives nil.
func CorridorOutline(centre Line, widthMetres float64) Polygon {
	if len(centre) < 2 || !(widthMetres > 0) {
		return nil
	}
	half := widthMetres / 2
	left := make([]Point, len(centre))
	right := make([]Point, len(centre))
	for i, p := range centre {
		var in, out float64
		switch i {
		case 0:
			out = Bearing(p, centre[1])
			in = out
		case len(centre) - 1:
			in = Bearing(centre[i-1], p)
			out = in
		default:
			in, out = Bearing(centre[i-1], p), Bearing(p, centre[i+1])
		}
		turn := math.Mod(out-in+540, 360) - 180 // in (-180, 180]
		mean := in + turn/2
		// At a bend the offset along the bisector must be longer for the
		// edges to stay half a width from each segment; capped so that a
		// hairpin does not throw a vertex far away.
		offset := half / math.Max(math.Cos(radians(turn/2)), 0.25)
		left[i] = Destination(p, mean-90, offset)
		right[i] = Destination(p, mean+90, offset)
	}
	// Counterclockwise seen from above when the line heads north: down the
	// right side, back up the left side.
	ring := make(Polygon, 0, 2*len(centre)+1)
	ring = append(ring, right...)
	for i := len(left) - 1; i >= 0; i-- {
		ring = append(ring, left[i])
	}
	return append(ring, right[0])
}
