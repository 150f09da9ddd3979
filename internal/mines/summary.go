package mines

import (
	"context"
	"sort"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
)

// Window is a window of days [From, To) for the summary; zero ends are
// open. Times are taken at their UTC date.
type Window struct {
	From time.Time
	To   time.Time
}

// DistrictSummary is what was released and destroyed in one district.
type DistrictSummary struct {
	District          string             `json:"district"`
	ReleasedM2        float64            `json:"released_m2"`
	ReleasedHa        float64            `json:"released_ha"`
	ReleasedByMethod  map[string]float64 `json:"released_m2_by_method" doc:"non_technical_survey (cancelled), technical_survey (reduced), clearance (cleared)"`
	DevicesDestroyed  int64              `json:"devices_destroyed"`
	DevicesByCategory map[string]int64   `json:"devices_by_category"`
}

// HandoverSummary counts handovers of minefield records.
type HandoverSummary struct {
	Handovers    int64 `json:"handovers"`
	Records      int64 `json:"minefield_records" doc:"registered minefield records listed in the handovers"`
	MinesClaimed int64 `json:"mines_claimed" doc:"the mines the handed-over records claim, where stated"`
	NotStated    int64 `json:"handovers_without_count" doc:"handovers whose records' count of mines was not stated"`
	// ByDistrict counts handovers naming each district; a handover naming
	// two districts counts in both, with its whole claim.
	ByDistrict []HandoverDistrict `json:"by_district"`
}

// HandoverDistrict is the handovers naming one district.
type HandoverDistrict struct {
	District     string `json:"district"`
	Handovers    int64  `json:"handovers"`
	MinesClaimed int64  `json:"mines_claimed"`
}

// Summary is the mine-action picture over a window of days, counting only
// records the reader may read.
type Summary struct {
	From             string             `json:"from,omitempty"`
	To               string             `json:"to,omitempty"`
	ReleasedM2       float64            `json:"released_m2"`
	ReleasedHa       float64            `json:"released_ha"`
	ReleasedByMethod map[string]float64 `json:"released_m2_by_method"`
	DevicesDestroyed int64              `json:"devices_destroyed"`
	Districts        []DistrictSummary  `json:"districts"`
	Handovers        HandoverSummary    `json:"handovers"`
}

func hectares(m2 float64) float64 { return float64(int64(m2/100+0.5)) / 100 }

// Summary returns land released (by method) and devices destroyed per
// district, and the handovers of minefield records, over w: releases by
// their date, handovers by theirs.
func (s *Service) Summary(ctx context.Context, p access.Principal, w Window) (Summary, error) {
	if !w.From.IsZero() && !w.To.IsZero() && dayOf(w.To) <= dayOf(w.From) {
		return Summary{}, wrap("summary", errs.Invalid("to", "must be a later day than from"))
	}
	out := Summary{ReleasedByMethod: map[string]float64{}, Districts: []DistrictSummary{}, Handovers: HandoverSummary{ByDistrict: []HandoverDistrict{}}}
	window := func(col string, conds []string, args []any) ([]string, []any) {
		if !w.From.IsZero() {
			out.From = dayOf(w.From)
			conds, args = append(conds, col+" >= ?"), append(args, dayOf(w.From))
		}
		if !w.To.IsZero() {
			out.To = dayOf(w.To)
			conds, args = append(conds, col+" < ?"), append(args, dayOf(w.To))
		}
		return conds, args
	}
	districts := map[string]*DistrictSummary{}
	district := func(name string) *DistrictSummary {
		d := districts[name]
		if d == nil {
			d = &DistrictSummary{District: name, ReleasedByMethod: map[string]float64{}, DevicesByCategory: map[string]int64{}}
			districts[name] = d
		}
		return d
	}
	// The release and device rows carry their area's label; aliasing the
	// area's id as id lets access.Filter read them as it reads any record.
	cond, args := access.Filter(p, "e", "hazard_area_readers")
	conds, args := window("e.day", []string{cond}, args)
	rows, err := s.db.Query(ctx, `SELECT e.district, e.method, SUM(e.area_m2) FROM (SELECT hazard_area_id AS id, day, method, area_m2, district, classification, owner_org FROM hazard_releases) e WHERE `+
		and(conds)+` GROUP BY e.district, e.method`, args...)
	if err != nil {
		return Summary{}, wrap("summary", err)
	}
	for rows.Next() {
		var name, method string
		var m2 float64
		if err := rows.Scan(&name, &method, &m2); err != nil {
			rows.Close()
			return Summary{}, wrap("summary", err)
		}
		d := district(name)
		d.ReleasedByMethod[method] += m2
		d.ReleasedM2 += m2
		out.ReleasedByMethod[method] += m2
		out.ReleasedM2 += m2
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Summary{}, wrap("summary", err)
	}
	cond, args = access.Filter(p, "e", "hazard_area_readers")
	conds, args = window("e.day", []string{cond}, args)
	rows, err = s.db.Query(ctx, `SELECT e.district, e.category, SUM(e.count) FROM (SELECT hazard_area_id AS id, day, category, count, district, classification, owner_org FROM hazard_devices) e WHERE `+
		and(conds)+` GROUP BY e.district, e.category`, args...)
	if err != nil {
		return Summary{}, wrap("summary", err)
	}
	for rows.Next() {
		var name, category string
		var n int64
		if err := rows.Scan(&name, &category, &n); err != nil {
			rows.Close()
			return Summary{}, wrap("summary", err)
		}
		d := district(name)
		d.DevicesByCategory[category] += n
		d.DevicesDestroyed += n
		out.DevicesDestroyed += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Summary{}, wrap("summary", err)
	}
	for _, d := range districts {
		d.ReleasedM2 = roundArea(d.ReleasedM2)
		d.ReleasedHa = hectares(d.ReleasedM2)
		for m, v := range d.ReleasedByMethod {
			d.ReleasedByMethod[m] = roundArea(v)
		}
		out.Districts = append(out.Districts, *d)
	}
	for m, v := range out.ReleasedByMethod {
		out.ReleasedByMethod[m] = roundArea(v)
	}
	sort.Slice(out.Districts, func(i, j int) bool { return out.Districts[i].District < out.Districts[j].District })
	out.ReleasedM2 = roundArea(out.ReleasedM2)
	out.ReleasedHa = hectares(out.ReleasedM2)

	cond, args = access.Filter(p, "r", "handover_readers")
	conds, args = window("r.day", []string{cond}, args)
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(r.records), 0), COALESCE(SUM(r.mines_claimed), 0), COUNT(*) - COUNT(r.mines_claimed) FROM handovers r WHERE `+and(conds), args...).
		Scan(&out.Handovers.Handovers, &out.Handovers.Records, &out.Handovers.MinesClaimed, &out.Handovers.NotStated); err != nil {
		return Summary{}, wrap("summary", err)
	}
	cond, args = access.Filter(p, "r", "handover_readers")
	conds, args = window("r.day", []string{cond}, args)
	rows, err = s.db.Query(ctx, `SELECT d.district, COUNT(*), COALESCE(SUM(r.mines_claimed), 0) FROM handover_districts d JOIN handovers r ON r.id = d.handover_id WHERE `+
		and(conds)+` GROUP BY d.district ORDER BY d.district`, args...)
	if err != nil {
		return Summary{}, wrap("summary", err)
	}
	defer rows.Close()
	for rows.Next() {
		var hd HandoverDistrict
		if err := rows.Scan(&hd.District, &hd.Handovers, &hd.MinesClaimed); err != nil {
			return Summary{}, wrap("summary", err)
		}
		out.Handovers.ByDistrict = append(out.Handovers.ByDistrict, hd)
	}
	return out, wrap("summary", rows.Err())
}

func and(conds []string) string {
	s := conds[0]
	for _, c := range conds[1:] {
		s += " AND " + c
	}
	return s
}
