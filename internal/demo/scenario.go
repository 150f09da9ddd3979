package demo

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/geo"
)

type org struct {
	key string
	in  agreement.OrganisationInput
}

var organisations = []org{
	{"AZ", agreement.OrganisationInput{Name: "Republic of Azerbaijan", ShortName: "Azerbaijan", Kind: "side", Country: "AZ",
		Names: map[string]string{"az": "Azərbaycan Respublikası", "ru": "Азербайджанская Республика", "hy": "Ադրբեջանի Հանրապետություն", "ar": "جمهورية أذربيجان"}}},
	{"AM", agreement.OrganisationInput{Name: "Republic of Armenia", ShortName: "Armenia", Kind: "side", Country: "AM",
		Names: map[string]string{"hy": "Հայաստանի Հանրապետություն", "ru": "Республика Армения", "az": "Ermənistan Respublikası", "ar": "جمهورية أرمينيا"}}},
	{"RU", agreement.OrganisationInput{Name: "Russian Federation", ShortName: "Russia", Kind: "guarantor", Country: "RU",
		Names: map[string]string{"ru": "Российская Федерация", "ar": "الاتحاد الروسي"}}},
	{"TR", agreement.OrganisationInput{Name: "Republic of Türkiye", ShortName: "Türkiye", Kind: "guarantor", Country: "TR",
		Names: map[string]string{"tr": "Türkiye Cumhuriyeti", "ru": "Турецкая Республика", "ar": "الجمهورية التركية"}}},
	{"PKF", agreement.OrganisationInput{Name: "Russian peacekeeping contingent", ShortName: "Peacekeepers", Kind: "peacekeeping", Country: "RU",
		Names: map[string]string{"ru": "Российский миротворческий контингент", "ar": "قوة حفظ السلام الروسية"}}},
	{"JMC", agreement.OrganisationInput{Name: "Joint Russian-Turkish Monitoring Centre", ShortName: "Monitoring centre", Kind: "monitoring_centre",
		Names: map[string]string{"ru": "Совместный российско-турецкий центр по мониторингу", "tr": "Ortak Türk-Rus Merkezi", "ar": "المركز الروسي التركي المشترك للرصد"}}},
	{"ICRC", agreement.OrganisationInput{Name: "International Committee of the Red Cross", ShortName: "ICRC", Kind: "humanitarian",
		Names: map[string]string{"ru": "Международный комитет Красного Креста", "ar": "اللجنة الدولية للصليب الأحمر"}}},
	{"UNHCR", agreement.OrganisationInput{Name: "Office of the United Nations High Commissioner for Refugees", ShortName: "UNHCR", Kind: "humanitarian",
		Names: map[string]string{"ru": "Управление Верховного комиссара ООН по делам беженцев", "ar": "مفوضية الأمم المتحدة السامية لشؤون اللاجئين"}}},
	{"GE", agreement.OrganisationInput{Name: "Georgia", ShortName: "Georgia", Kind: "mediator", Country: "GE",
		Names: map[string]string{"ru": "Грузия", "ar": "جورجيا"}}},
	{"US", agreement.OrganisationInput{Name: "United States of America", ShortName: "United States", Kind: "mediator", Country: "US",
		Names: map[string]string{"ru": "Соединённые Штаты Америки", "ar": "الولايات المتحدة الأمريكية"}}},
	{"EU", agreement.OrganisationInput{Name: "European Union", ShortName: "EU", Kind: "mediator",
		Names: map[string]string{"ru": "Европейский союз", "ar": "الاتحاد الأوروبي"}}},
	{"OSCE", agreement.OrganisationInput{Name: "Organization for Security and Co-operation in Europe", ShortName: "OSCE", Kind: "mediator",
		Names: map[string]string{"ru": "Организация по безопасности и сотрудничеству в Европе", "ar": "منظمة الأمن والتعاون في أوروبا"}}},
}

type provision struct {
	in        agreement.ProvisionInput
	obligated []string
	events    []agreement.StatusInput
}

func ev(status, at, note string, illustrative bool) agreement.StatusInput {
	if illustrative {
		note += " (illustrative)"
	}
	return agreement.StatusInput{Status: status, At: at, Note: note}
}

var provisions = []provision{
	{in: agreement.ProvisionInput{Number: "1", Summary: "A complete ceasefire and cessation of all hostilities from 00:00 Moscow time on 10 November 2020; the sides stop at the positions they hold."},
		obligated: []string{"AZ", "AM"},
		events:    []agreement.StatusInput{ev("in_progress", "2020-11-09T21:00:00Z", "Ceasefire in force.", false)}},
	{in: agreement.ProvisionInput{Number: "2", Summary: "Aghdam district is returned to the Republic of Azerbaijan.",
		Deadlines: []agreement.DeadlineInput{{What: "Aghdam district returned", Due: "2020-11-20T00:00:00Z", MetAt: "2020-11-20T00:00:00Z"}}},
		obligated: []string{"AM"},
		events:    []agreement.StatusInput{ev("implemented", "2020-11-20T00:00:00Z", "Aghdam district returned.", false)}},
	{in: agreement.ProvisionInput{Number: "3", Summary: "A peacekeeping contingent of the Russian Federation deploys along the line of contact and along the Lachin corridor.",
		Quantities: []agreement.Quantity{{What: "military personnel with small arms", Value: 1960}, {What: "armoured personnel carriers", Value: 90}, {What: "motor vehicles and special equipment", Value: 380}}},
		obligated: []string{"RU"},
		events:    []agreement.StatusInput{ev("in_progress", "2020-11-10T00:00:00Z", "Deployment begins.", false), ev("implemented", "2020-11-30T00:00:00Z", "Deployment completed.", true)}},
	{in: agreement.ProvisionInput{Number: "4", Summary: "The peacekeepers deploy in parallel with the withdrawal of the Armenian armed forces. Term of five years, extended automatically by further five-year periods unless a side gives notice six months before expiry.",
		Period: &agreement.PeriodInput{From: "2020-11-10T00:00:00Z", To: "2025-11-10T00:00:00Z"}},
		obligated: []string{"RU", "AM"},
		events:    []agreement.StatusInput{ev("in_progress", "2020-11-10T00:00:00Z", "Term running.", false)}},
	{in: agreement.ProvisionInput{Number: "5", Summary: "A peacekeeping centre is set up to control the ceasefire."},
		obligated: []string{"RU"},
		events:    []agreement.StatusInput{ev("implemented", "2021-01-30T00:00:00Z", "Joint Russian-Turkish monitoring centre opened near Giyamaddinli, Aghdam district.", false)}},
	{in: agreement.ProvisionInput{Number: "6", Summary: "Kalbajar district is returned by 15 November 2020 and Lachin district by 1 December 2020, leaving the Lachin corridor, 5 km wide, under the peacekeepers' control and bypassing Shusha; a plan for a new route is agreed within three years; safe movement of citizens, vehicles and cargo in both directions is guaranteed.",
		Deadlines: []agreement.DeadlineInput{
			{What: "Kalbajar district returned", OriginalDue: "2020-11-15T00:00:00Z", Due: "2020-11-25T00:00:00Z", MetAt: "2020-11-25T00:00:00Z"},
			{What: "Lachin district returned", Due: "2020-12-01T00:00:00Z", MetAt: "2020-12-01T00:00:00Z"},
			{What: "new route along the Lachin corridor built", Due: "2023-11-10T00:00:00Z"},
		},
		Quantities: []agreement.Quantity{{What: "width of the Lachin corridor", Value: 5000, Unit: "m"}}},
		obligated: []string{"AM", "AZ"},
		events:    []agreement.StatusInput{ev("in_progress", "2020-11-25T00:00:00Z", "Kalbajar district returned after the deadline was postponed from 15 to 25 November.", false)}},
	{in: agreement.ProvisionInput{Number: "7", Summary: "Internally displaced persons and refugees return to Nagorno-Karabakh and adjacent areas under the supervision of UNHCR."},
		obligated: []string{"AZ", "AM"},
		events:    []agreement.StatusInput{ev("in_progress", "2021-02-08T00:00:00Z", "Peacekeepers' bulletin: 52,351 people returned since 14 November 2020.", false)}},
	{in: agreement.ProvisionInput{Number: "8", Summary: "Exchange of prisoners of war, hostages and other detained persons, and of the bodies of the dead."},
		obligated: []string{"AZ", "AM"},
		events:    []agreement.StatusInput{ev("in_progress", "2020-12-14T00:00:00Z", "\"All for all\" exchange: 44 people handed to Armenia, 12 to Azerbaijan.", false)}},
	{in: agreement.ProvisionInput{Number: "9", Summary: "All economic and transport links in the region are unblocked; the Republic of Armenia guarantees transport links between the western regions of Azerbaijan and Nakhchivan, under the control of the Border Guard Service of the Russian Federation."},
		obligated: []string{"AM", "AZ", "RU"},
		events:    []agreement.StatusInput{ev("not_started", "2020-11-10T00:00:00Z", "No link unblocked yet.", true)}},
}

type name struct{ lang, party, name string }

type place struct {
	key          string
	kind         string
	lat, lon     float64
	names        []name
	illustrative bool
}

// both builds the usual names of a place that each side calls differently:
// the Latin-script name each side uses in English, the local-script names
// and the Russian names.
func both(az, azLocal, am, amLocal, ruAZ, ruAM string) []name {
	ns := []name{{"en", "AZ", az}, {"az", "AZ", azLocal}}
	if am != "" {
		ns = append(ns, name{"en", "AM", am})
	}
	if amLocal != "" {
		ns = append(ns, name{"hy", "AM", amLocal})
	}
	if ruAZ != "" {
		ns = append(ns, name{"ru", "AZ", ruAZ})
	}
	if ruAM != "" && ruAM != ruAZ {
		ns = append(ns, name{"ru", "AM", ruAM})
	}
	return ns
}

var places = []place{
	{"Khankendi", "settlement", 39.815, 46.752, both("Khankendi", "Xankəndi", "Stepanakert", "Ստեփանակերտ", "Ханкенди", "Степанакерт"), false},
	{"Shusha", "settlement", 39.758, 46.750, both("Shusha", "Şuşa", "Shushi", "Շուշի", "Шуша", "Шуши"), false},
	{"Lachin", "settlement", 39.640, 46.547, both("Lachin", "Laçın", "Berdzor", "Բերձոր", "Лачин", "Бердзор"), false},
	{"Aghdam", "settlement", 39.993, 46.930, both("Aghdam", "Ağdam", "Akna", "Ակնա", "Агдам", "Акна"), false},
	{"Kalbajar", "settlement", 40.105, 46.038, both("Kalbajar", "Kəlbəcər", "Karvachar", "Քարվաճառ", "Кельбаджар", "Карвачар"), false},
	{"Fuzuli", "settlement", 39.600, 47.145, both("Fuzuli", "Füzuli", "Varanda", "Վարանդա", "Физули", "Варанда"), false},
	{"Khojavend", "settlement", 39.795, 47.110, both("Khojavend", "Xocavənd", "Martuni", "Մարտունի", "Ходжавенд", "Мартуни"), false},
	{"Aghdara", "settlement", 40.215, 46.815, both("Aghdara", "Ağdərə", "Martakert", "Մարտակերտ", "Агдере", "Мартакерт"), false},
	{"Khojaly", "settlement", 39.936, 46.830, both("Khojaly", "Xocalı", "Askeran", "Ասկերան", "Ходжалы", "Аскеран"), false},
	{"Hadrut", "settlement", 39.520, 47.030, both("Hadrut", "Hadrut", "Hadrut", "Հադրութ", "Гадрут", ""), false},
	{"Zangilan", "settlement", 39.085, 46.655, both("Zangilan", "Zəngilan", "Kovsakan", "Կովսական", "Зангилан", "Ковсакан"), false},
	{"Gubadli", "settlement", 39.344, 46.579, both("Gubadli", "Qubadlı", "Kashatagh", "Քաշաթաղ", "Губадлы", "Кашатаг"), false},
	{"Jabrayil", "settlement", 39.400, 47.027, both("Jabrayil", "Cəbrayıl", "Jrakan", "Ջրական", "Джебраил", "Джракан"), false},
	{"Giyamaddinli", "settlement", 40.000, 46.970, []name{{"en", "", "Giyamaddinli"}, {"en", "AZ", "Kiyamaddinli"}, {"az", "", "Qiyaməddinli"}}, false},
	{"Goris", "settlement", 39.511, 46.338, []name{{"en", "", "Goris"}, {"hy", "", "Գորիս"}, {"ru", "", "Горис"}}, false},
	{"Kornidzor", "settlement", 39.485, 46.318, []name{{"en", "", "Kornidzor"}, {"hy", "", "Կոռնիձոր"}, {"ru", "", "Корнидзор"}}, false},
}

// arabicNames are the places' names in Arabic script, as each side calls
// them where the two differ (Arabic-language press uses both), so that
// an Arabic reader sees no Latin-script place name.
var arabicNames = map[string][]name{
	"Khankendi":    {{"ar", "AZ", "خانكندي"}, {"ar", "AM", "ستيباناكيرت"}},
	"Shusha":       {{"ar", "AZ", "شوشا"}, {"ar", "AM", "شوشي"}},
	"Lachin":       {{"ar", "AZ", "لاتشين"}, {"ar", "AM", "بيردزور"}},
	"Aghdam":       {{"ar", "AZ", "أغدام"}, {"ar", "AM", "أكنا"}},
	"Kalbajar":     {{"ar", "AZ", "كلبجار"}, {"ar", "AM", "كارفاتشار"}},
	"Fuzuli":       {{"ar", "AZ", "فضولي"}, {"ar", "AM", "فاراندا"}},
	"Khojavend":    {{"ar", "AZ", "خوجافند"}, {"ar", "AM", "مارتوني"}},
	"Aghdara":      {{"ar", "AZ", "أغدره"}, {"ar", "AM", "مارتاكيرت"}},
	"Khojaly":      {{"ar", "AZ", "خوجالي"}, {"ar", "AM", "أسكيران"}},
	"Hadrut":       {{"ar", "", "هادروت"}},
	"Zangilan":     {{"ar", "AZ", "زنكيلان"}, {"ar", "AM", "كوفساكان"}},
	"Gubadli":      {{"ar", "AZ", "قوبادلي"}, {"ar", "AM", "كاشاتاغ"}},
	"Jabrayil":     {{"ar", "AZ", "جبرائيل"}, {"ar", "AM", "جراكان"}},
	"Giyamaddinli": {{"ar", "", "قيام الدينلي"}},
	"Goris":        {{"ar", "", "غوريس"}},
	"Kornidzor":    {{"ar", "", "كورنيدزور"}},
}

type layer struct {
	key string
	in  geo.LayerInput
}

// Illustrative geometry from SCENARIO.md (lat, lon pairs).
var (
	lineOfContact = [][2]float64{{40.285, 46.650}, {40.200, 46.780}, {40.080, 46.850}, {39.960, 46.880}, {39.880, 46.960}, {39.800, 47.060},
		{39.730, 47.080}, {39.690, 46.980}, {39.720, 46.860}, {39.745, 46.790}, {39.770, 46.735}}
	corridor = [][2]float64{{39.805, 46.745}, {39.790, 46.680}, {39.700, 46.600}, {39.640, 46.547}, {39.580, 46.450}, {39.490, 46.330}}
)

func lineJSON(pts [][2]float64) json.RawMessage {
	parts := make([]string, len(pts))
	for i, p := range pts {
		parts[i] = fmt.Sprintf("[%g,%g]", p[1], p[0])
	}
	return json.RawMessage(`{"type":"LineString","coordinates":[` + strings.Join(parts, ",") + `]}`)
}

func polygonJSON(pts [][2]float64) json.RawMessage {
	ring := append(append([][2]float64{}, pts...), pts[0])
	l := string(lineJSON(ring))
	l = strings.Replace(l, `"LineString","coordinates":[`, `"Polygon","coordinates":[[`, 1)
	return json.RawMessage(l[:len(l)-1] + "]}")
}

func pointJSON(lat, lon float64) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"Point","coordinates":[%g,%g]}`, lon, lat))
}

// along returns the point a fraction f of the way through the polyline's
// vertices (by vertex count, which is enough to spread posts out).
func along(pts [][2]float64, f float64) (float64, float64) {
	x := f * float64(len(pts)-1)
	i := int(x)
	if i >= len(pts)-1 {
		return pts[len(pts)-1][0], pts[len(pts)-1][1]
	}
	t := x - float64(i)
	return pts[i][0] + t*(pts[i+1][0]-pts[i][0]), pts[i][1] + t*(pts[i+1][1]-pts[i][1])
}

func layers(orgs map[string]string) []layer {
	const from = "2020-11-09T21:00:00Z"
	out := []layer{
		{"line", geo.LayerInput{Kind: geo.KindLineOfContact, Name: "Line of contact (illustrative)", ValidFrom: from,
			Geometry: lineJSON(lineOfContact), LeftParty: orgs["AZ"], RightParty: orgs["AM"], Illustrative: true,
			Note: "An illustrative polyline through points near the line of contact after 10 November 2020, digitised north to south then west; not an authoritative line."}},
		{"corridor", geo.LayerInput{Kind: geo.KindCorridor, Name: "Lachin corridor", ValidFrom: from, WidthM: 5000,
			Geometry: lineJSON(corridor), Party: orgs["PKF"], Illustrative: true,
			Names: map[string]string{"ru": "Лачинский коридор", "az": "Laçın dəhlizi", "hy": "Լաչինի միջանցք"},
			Note:  "Width 5 km as in provision 6; centre line illustrative."}},
		{"zone", geo.LayerInput{Kind: geo.KindZone, Subkind: "security", Name: "Peacekeepers' area of responsibility (illustrative)", ValidFrom: from,
			Party: orgs["PKF"], Illustrative: true,
			Geometry: polygonJSON(append(append([][2]float64{}, lineOfContact...), [2]float64{39.790, 46.600}, [2]float64{40.000, 46.450}, [2]float64{40.285, 46.500}))}},
		{"centre", geo.LayerInput{Kind: geo.KindSite, Subkind: "monitoring_centre", Name: "Joint Russian-Turkish Monitoring Centre",
			ValidFrom: "2021-01-30T00:00:00Z", Geometry: pointJSON(40.000, 46.970), Party: orgs["JMC"]}},
	}
	for i := range 8 {
		lat, lon := along(lineOfContact, (float64(i)+0.5)/8)
		out = append(out, layer{fmt.Sprintf("op-line-%d", i+1), geo.LayerInput{Kind: geo.KindSite, Subkind: "observation_post",
			Name: fmt.Sprintf("Observation post %d (illustrative)", i+1), ValidFrom: from, Geometry: pointJSON(lat, lon), Party: orgs["PKF"], Illustrative: true}})
	}
	for i := range 4 {
		lat, lon := along(corridor, (float64(i)+0.5)/4)
		out = append(out, layer{fmt.Sprintf("op-corridor-%d", i+1), geo.LayerInput{Kind: geo.KindSite, Subkind: "checkpoint",
			Name: fmt.Sprintf("Corridor checkpoint %d (illustrative)", i+1), ValidFrom: from, Geometry: pointJSON(lat, lon), Party: orgs["PKF"], Illustrative: true}})
	}
	return out
}
