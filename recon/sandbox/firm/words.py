"""Word lists for the demo firm's names: invented, Chicago-flavoured, no real people.

People are random pairings of common given names and surnames; companies are invented
place-like stems joined to an industry (any likeness to a real business is chance).
"""

from __future__ import annotations

FIRM_NAME = "Lakeshore Partners LLP"
FIRM_DOMAIN = "lakeshorepartners.example"  # RFC 2606 reserved: never a real mailbox

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Charles", "Karen", "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty",
    "Anthony", "Margaret", "Mark", "Sandra", "Donald", "Ashley", "Steven", "Kimberly", "Paul",
    "Emily", "Andrew", "Donna", "Joshua", "Michelle", "Kenneth", "Carol", "Kevin", "Amanda",
    "Brian", "Dorothy", "George", "Melissa", "Timothy", "Deborah", "Ronald", "Stephanie",
    "Edward", "Rebecca", "Jason", "Sharon", "Jeffrey", "Laura", "Ryan", "Cynthia", "Jacob",
    "Kathleen", "Gary", "Amy", "Nicholas", "Angela", "Eric", "Shirley", "Jonathan", "Anna",
    "Stephen", "Brenda", "Larry", "Pamela", "Justin", "Emma", "Scott", "Nicole", "Brandon",
    "Helen", "Benjamin", "Samantha", "Samuel", "Katherine", "Gregory", "Christine", "Alexander",
    "Debra", "Frank", "Rachel", "Patrick", "Carolyn", "Raymond", "Janet", "Jack", "Catherine",
    "Dennis", "Maria", "Jerry", "Heather", "Tyler", "Diane", "Aaron", "Ruth", "Jose", "Julie",
    "Adam", "Olivia", "Nathan", "Joyce", "Henry", "Virginia", "Priya", "Wei", "Mateo", "Aisha",
)  # fmt: skip

LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans",
    "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris",
    "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson",
    "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson",
    "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price",
    "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez",
    "Kowalski", "Novak", "Olson", "Lindqvist", "O'Brien", "Sullivan", "Murray", "Shah",
)  # fmt: skip

COMPANY_STEMS = (
    "Harborview", "Prairie State", "Northbrook", "Lakeview", "Riverbend", "Ironwood", "Wabash",
    "Kinzie", "Fulton Market", "Calumet", "Cedar Ridge", "Maple Grove", "Union Square",
    "Sandburg", "Halsted", "Ravenswood", "Bucktown", "Evergreen", "Sterling Point", "Beacon Hill",
    "Summit Ridge", "Keystone", "Meridian", "Pinnacle", "Granite Bay", "Bluestem", "Monroe",
    "Dearborn", "Lasalle", "Canal Street", "Franklin Park", "Midway", "Great Lakes",
    "Northshore", "Fox Valley", "Rock River", "Des Plaines", "Illinois Prairie", "Old Town",
    "Wrigley", "Logan Square", "Tri-County", "Heartland", "Lakefront", "Skyline",
)  # fmt: skip

INDUSTRIES = (
    "Logistics", "Manufacturing", "Health Partners", "Foods", "Capital", "Realty",
    "Engineering", "Architects", "Software", "Dental Group", "Community Foundation",
    "Credit Union", "Hospitality", "Distribution", "Biotech", "Energy", "Media", "Construction",
    "Insurance", "Analytics", "Consumer Brands", "Transit", "Supply", "Medical Devices",
    "Pharmacy", "Education Trust", "Fitness", "Brewing", "Plastics", "Printing",
)  # fmt: skip

COMPANY_SUFFIXES = ("LLC", "Inc.", "Corp.", "Co.", "Holdings", "Group", "")

ENGAGEMENTS = (
    "2025 Audit", "Tax Compliance 2025", "ERP Selection", "ERP Implementation",
    "Financial Close Redesign", "SOC 1 Readiness", "Cost Reduction Study", "Strategic Plan",
    "Process Improvement", "Data Warehouse Build", "Cybersecurity Assessment",
    "Outsourced Controller Services", "Monthly Accounting Support", "M&A Due Diligence",
    "Valuation Services", "Sales Tax Nexus Study", "R&D Tax Credit Study",
    "Budget and Forecast Model", "Internal Audit Co-Source", "IT General Controls Review",
    "Compensation Benchmarking", "Lease Accounting (ASC 842)", "Revenue Recognition (ASC 606)",
    "Grant Compliance Review", "Board Reporting Package", "Interim CFO Services",
    "Payroll Tax Review", "Cloud Migration Planning", "Org Design Review", "Pricing Strategy",
)  # fmt: skip

#: (city, state, zip prefix, area code) -- Chicago first: most clients are local.
CITIES = (
    ("Chicago", "IL", "606", "312"), ("Chicago", "IL", "606", "773"),
    ("Evanston", "IL", "602", "847"), ("Oak Brook", "IL", "605", "630"),
    ("Naperville", "IL", "605", "630"), ("Schaumburg", "IL", "601", "847"),
    ("Joliet", "IL", "604", "815"), ("Milwaukee", "WI", "532", "414"),
    ("Indianapolis", "IN", "462", "317"), ("St. Louis", "MO", "631", "314"),
    ("Madison", "WI", "537", "608"), ("Grand Rapids", "MI", "495", "616"),
)  # fmt: skip

STREETS = (
    "W Madison St", "N Michigan Ave", "S Wacker Dr", "W Monroe St", "N Clark St",
    "W Jackson Blvd", "N Halsted St", "W Fulton Market", "S Dearborn St", "N LaSalle St",
    "W Randolph St", "E Ohio St", "N Wells St", "W Adams St", "Commerce Dr", "Corporate Woods Pkwy",
)  # fmt: skip

VENDOR_STEMS = (
    "Loop", "Midway", "Lakeshore", "Windy City", "Second City", "Prairie", "Union Station",
    "Northwest", "Lakefront", "River North", "West Loop", "Gold Coast", "South Side",
    "Pilsen", "Wicker Park",
)  # fmt: skip

VENDOR_KINDS = (
    "Office Supply", "Travel Partners", "IT Services", "Printing", "Staffing", "Catering",
    "Courier", "Legal Services", "Cloud Hosting", "Facilities", "Insurance Agency",
    "Telecom", "Coffee Service", "Training Institute", "Document Storage",
)  # fmt: skip

NOTES = {
    "client": (
        "Status meeting with client", "Fieldwork", "Prepare workpapers", "Review deliverable",
        "Draft report", "Stakeholder interviews", "Data analysis", "Process walkthrough",
        "Reconcile balances", "Prepare presentation", "Document findings", "Follow-up calls",
        "Testing", "Research technical question", "Update project plan",
    ),
    "travel": ("Travel to client site", "Return travel", "Travel to client office"),
    "nonbill": (
        "Rework - not billable", "Internal review of deliverable", "Onboarding on engagement",
    ),
    "admin": ("Timesheet and expense admin", "Team meeting", "IT setup", "Firm meeting"),
    "bd": ("Proposal drafting", "Prospect meeting", "Networking event", "Marketing content"),
    "training": ("CPE webinar", "Internal training", "Certification study"),
    "pto": ("Paid time off",),
}  # fmt: skip
