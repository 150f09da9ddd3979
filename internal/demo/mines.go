package demo

import (
	"context"
	"fmt"
	"math"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/mines"
)

// The handovers of minefield maps below are public facts (SCENARIO.md):
// their dates, the sides, the mediators and the reported numbers of mines.
// The minefield record, the hazard areas and their land release are
// invented and flagged illustrative; the peacekeepers' demining figures of
// early February 2021 are public, entered as one aggregate clearance
// record whose polygon is illustrative.

// demoHandovers are the handovers of minefield maps from Armenia to
// Azerbaijan that were publicly reported.
var demoHandovers = []struct {
	date      string
	mediators []string
	place     string
	mines     int64 // 0: not stated
	districts []string
	note      string
}{
	{"2021-06-12", []string{"GE", "US", "EU", "OSCE"}, "Azerbaijan–Georgia border", 97000, []string{"Aghdam"},
		"Maps of about 97,000 anti-tank and anti-personnel mines in Aghdam district, handed over as 15 Armenian detainees were released; mediated by Georgia with the support of the United States, the EU and the OSCE (public reports)."},
	{"2021-07-03", []string{"RU"}, "", 92000, []string{"Fuzuli", "Zangilan"},
		"Maps of about 92,000 mines in Fuzuli and Zangilan districts, handed over as 15 more detainees were released; Russian mediation (public reports)."},
	{"2021-12-04", []string{"RU"}, "", 0, nil,
		"Further minefield maps handed over as 10 servicemen were handed over; Russian mediation. The number of mines was not reported (public reports)."},
}

// rectangle returns a closed ring of about widthM by heightM metres
// centred on (lat, lon).
func rectangle(lat, lon, widthM, heightM float64) geo.Polygon {
	dLat := heightM / 2 / (geo.EarthRadius * math.Pi / 180)
	dLon := widthM / 2 / (geo.EarthRadius * math.Pi / 180 * math.Cos(lat*math.Pi/180))
	return geo.Polygon{{Lat: lat - dLat, Lon: lon - dLon}, {Lat: lat - dLat, Lon: lon + dLon}, {Lat: lat + dLat, Lon: lon + dLon},
		{Lat: lat + dLat, Lon: lon - dLon}, {Lat: lat - dLat, Lon: lon - dLon}}
}

// rectangleOfArea returns a rectangle centred on (lat, lon), widthM wide,
// whose geodesic area is areaM2 to within a square centimetre: its height
// is corrected a few times, as the area is nearly proportional to it.
func rectangleOfArea(lat, lon, widthM, areaM2 float64) geo.Polygon {
	height := areaM2 / widthM
	r := rectangle(lat, lon, widthM, height)
	for range 6 {
		height *= areaM2 / r.Area()
		r = rectangle(lat, lon, widthM, height)
	}
	return r
}

// loadMines writes the mine-action part of the scenario. exchanges maps a
// date ("2021-06-12") to the id of the exchange of detainees made that
// day, from the detainee registry; a handover on a date with no entry (or
// a nil map) is recorded without a linked exchange.
func loadMines(ctx context.Context, svc *mines.Service, l *Loaded, exchanges map[string]string) error {
	if svc == nil {
		return nil
	}
	as := func(username string) access.Principal {
		for _, a := range accounts {
			if a.username != username {
				continue
			}
			p := access.Principal{UserID: "demo-" + username, Username: username, Org: l.Orgs[a.org], OrgKind: "monitoring_centre", Roles: []access.Role{a.role}, Via: "system"}
			if a.role == access.Liaison {
				p.OrgKind = "side"
			}
			for _, acc := range l.Accounts {
				if acc.Username == username {
					p.UserID = acc.ID
				}
			}
			return p
		}
		panic("demo: no account " + username)
	}
	liaisonAM, analyst, monitor := as("liaison-am"), as("analyst"), as("monitor")

	// An illustrative record of one field in Aghdam district, restricted
	// by Armenia to the monitoring centre until it is handed over.
	perimeter := rectangle(39.975, 46.955, 1200, 400)
	field, err := svc.CreateMinefield(ctx, liaisonAM, mines.MinefieldInput{
		Designation: "AGH-017 (illustrative)",
		LaidBy:      l.Orgs["AM"],
		District:    "Aghdam",
		ReferencePoints: []mines.ReferencePoint{
			{Point: geo.Point{Lat: 39.981, Lon: 46.940}, Description: "Road junction west of the field (illustrative)"},
			{Point: geo.Point{Lat: 39.968, Lon: 46.962}, Description: "Ruined farm building south-east of the field (illustrative)"},
		},
		Perimeter: perimeter,
		Mines: []mines.MineType{
			{Category: "anti_tank", Model: "TM-62M", Count: 180, FuseType: "pressure", FuseLife: "indefinite"},
			{Category: "anti_personnel", Model: "PMN-2", Count: 420, FuseType: "pressure", FuseLife: "indefinite"},
		},
		Emplacement:  "mechanical",
		LaidAt:       "1994-04-15",
		AntiHandling: mines.AntiHandling{Present: true, Description: "Some anti-tank mines fitted with pull fuses (illustrative)."},
		Rows: []mines.MineRow{
			{Start: perimeter[0], End: perimeter[1]},
			{Start: perimeter[3], End: perimeter[2]},
		},
		Note:         "An invented record to show the fields of Amended Protocol II; not one of the maps actually handed over.",
		Illustrative: true,
		LabelInput:   access.LabelInput{Classification: "restricted", RestrictedTo: []string{l.Orgs["JMC"]}},
	})
	if err != nil {
		return fmt.Errorf("minefield record: %w", err)
	}

	for i, h := range demoHandovers {
		in := mines.HandoverInput{FromSide: l.Orgs["AM"], ToSide: l.Orgs["AZ"], Date: h.date, Place: h.place, ExchangeID: exchanges[h.date],
			Districts: h.districts, Note: h.note, LabelInput: access.LabelInput{Classification: string(access.Public)}}
		for _, m := range h.mediators {
			in.Mediators = append(in.Mediators, l.Orgs[m])
		}
		if h.mines > 0 {
			n := h.mines
			in.MinesClaimed, in.Approximate = &n, true
		}
		if i == 0 {
			// The illustrative restricted record is listed on the public
			// handover; readers who may not read it do not see its id
			// (mines.Service hides it on read).
			in.MinefieldIDs = []string{field.ID}
		}
		rec, err := svc.RecordHandover(ctx, analyst, in)
		if err != nil {
			return fmt.Errorf("handover %s: %w", h.date, err)
		}
		l.Records["handover/"+h.date] = rec.ID
	}

	// Illustrative hazard areas with some land released.
	type event struct {
		in mines.EventInput
		// rest releases whatever remains.
		rest bool
	}
	areas := []struct {
		in     mines.HazardAreaInput
		events []event
	}{
		{mines.HazardAreaInput{Name: "SHA Aghdam east (illustrative)", District: "Aghdam", PlaceID: l.Places["Aghdam"], Polygon: rectangle(39.990, 46.955, 1500, 800),
			Evidence: "combat_history", RecordedOn: "2021-02-15", MinefieldID: field.ID, Illustrative: true,
			Note: "Fields between former positions east of Aghdam (illustrative)."},
			[]event{
				{in: mines.EventInput{Kind: mines.EventRelease, Date: "2021-03-20", Method: mines.NonTechnicalSurvey, AreaM2: 350_000, Note: "Farmland in use since 1994 without accidents; cancelled (illustrative)."}},
				{in: mines.EventInput{Kind: mines.EventConfirm, Date: "2021-04-02", Note: "Anti-tank mine seen at the edge of the track (illustrative)."}},
				{in: mines.EventInput{Kind: mines.EventRelease, Date: "2021-05-28", Method: mines.TechnicalSurvey, AreaM2: 250_000,
					Devices: []mines.Device{{Category: "anti_tank_mine", Model: "TM-62M", Count: 4, Condition: "intact"}}}},
				{in: mines.EventInput{Kind: mines.EventRelease, Date: "2021-07-15", Method: mines.Clearance, AreaM2: 200_000,
					Devices: []mines.Device{{Category: "anti_tank_mine", Model: "TM-62M", Count: 37, Condition: "intact"}, {Category: "anti_personnel_mine", Model: "PMN-2", Count: 112, Condition: "corroded"}}}},
			}},
		{mines.HazardAreaInput{Name: "CHA Fuzuli north (illustrative)", District: "Fuzuli", PlaceID: l.Places["Fuzuli"], Polygon: rectangle(39.615, 47.150, 600, 500),
			Evidence: "accident", RecordedOn: "2021-03-05", Illustrative: true, Note: "A shepherd's accident (illustrative)."},
			[]event{
				{in: mines.EventInput{Kind: mines.EventRelease, Date: "2021-06-25", Method: mines.Clearance, Devices: []mines.Device{
					{Category: "anti_personnel_mine", Model: "PMN-2", Count: 58, Condition: "intact"}, {Category: "uxo", Count: 9, Condition: "damaged"}}}, rest: true},
			}},
		{mines.HazardAreaInput{Name: "SHA Fuzuli road (illustrative)", District: "Fuzuli", Polygon: rectangle(39.585, 47.120, 2000, 300),
			Evidence: "local_report", RecordedOn: "2021-05-10", Illustrative: true}, nil},
		// The peacekeepers' public figures as one aggregate record: the
		// polygon is a placeholder sized to hold the area.
		{mines.HazardAreaInput{Name: "Peacekeepers' demining to early February 2021 (aggregate)", District: "Peacekeepers' area of responsibility",
			Polygon: rectangleOfArea(39.830, 46.790, 3500, 11_913_000), Evidence: "combat_history", RecordedOn: "2020-11-14", Illustrative: true,
			Note: "Aggregate of the peacekeepers' reported demining by early February 2021: 1,191.3 ha and more than 350 km of roads cleared, 24,181 explosive objects destroyed (public figures). The polygon is illustrative: a rectangle of that area, standing for land spread over the peacekeepers' area."},
			[]event{
				{in: mines.EventInput{Kind: mines.EventRelease, Date: "2021-02-08", Method: mines.Clearance,
					Devices: []mines.Device{{Category: "explosive_object", Count: 24181}},
					Note:    "1,191.3 ha and more than 350 km of roads, 24,181 explosive objects (reported as of early February 2021)."}, rest: true},
			}},
	}
	for _, a := range areas {
		h, err := svc.RecordHazardArea(ctx, monitor, a.in)
		if err != nil {
			return fmt.Errorf("hazard area %s: %w", a.in.Name, err)
		}
		for _, ev := range a.events {
			in := ev.in
			if ev.rest {
				in.AreaM2 = h.RemainingM2
			}
			if h, err = svc.AddEvent(ctx, monitor, h.ID, h.Version, in); err != nil {
				return fmt.Errorf("hazard area %s event %s: %w", a.in.Name, in.Kind, err)
			}
		}
	}
	return nil
}
