"""Words the seed draws from: people, places, and support conversations that read like real ones.

Conversation scripts are lists of (direction, text); `{first}` is the contact's first name,
`{agent}` the owner's first name, `{order}` an order number, `{day}`/`{time}` an appointment.
"""

from __future__ import annotations

FIRST_NAMES = [
    "Liam",
    "Emma",
    "Noah",
    "Olivia",
    "Ava",
    "Elijah",
    "Sophia",
    "Lucas",
    "Mia",
    "Mason",
    "Isabella",
    "Ethan",
    "Amelia",
    "Logan",
    "Harper",
    "James",
    "Evelyn",
    "Benjamin",
    "Abigail",
    "Henry",
    "Emily",
    "Daniel",
    "Ella",
    "Jackson",
    "Scarlett",
    "Sebastian",
    "Grace",
    "Mateo",
    "Chloe",
    "Jack",
    "Zoey",
    "Owen",
    "Lily",
    "Samuel",
    "Hannah",
    "Wyatt",
    "Nora",
    "Leo",
    "Riley",
    "Julian",
    "Layla",
    "Gabriel",
    "Aria",
    "Carter",
    "Zara",
    "Isaac",
    "Leah",
    "Luis",
    "Fatima",
    "Hiroshi",
    "Mei",
    "Arjun",
    "Ananya",
    "Kwame",
    "Amara",
    "Sven",
    "Ingrid",
    "Rafael",
    "Lucia",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Okafor",
    "Tanaka",
    "Kowalski",
    "Novak",
    "Haddad",
]
CITIES = [  # city, state, zip, area code
    ("San Francisco", "CA", "94107", "415"),
    ("Oakland", "CA", "94612", "510"),
    ("Los Angeles", "CA", "90012", "213"),
    ("San Diego", "CA", "92101", "619"),
    ("Seattle", "WA", "98101", "206"),
    ("Portland", "OR", "97205", "503"),
    ("Austin", "TX", "78701", "512"),
    ("Denver", "CO", "80202", "303"),
    ("Chicago", "IL", "60601", "312"),
    ("Boston", "MA", "02108", "617"),
    ("New York", "NY", "10001", "212"),
    ("Atlanta", "GA", "30303", "404"),
    ("Miami", "FL", "33130", "305"),
    ("Phoenix", "AZ", "85004", "602"),
]
COMPANIES = [
    "Northwind Traders",
    "Bluebird Bakery",
    "Summit Outfitters",
    "Harbor Dental",
    "Pinecrest Realty",
    "Lumen Fitness",
    "Copperline Cafe",
    "Redwood Legal",
    None,
    None,
    None,
    None,
    None,
    None,
]
EMAIL_DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "proton.me"]

TAGS = {
    "acme-support": ["vip", "refund", "shipping", "warranty", "damaged", "follow-up", "spanish"],
    "acme-sales": ["lead", "demo-booked", "enterprise", "trial", "pricing", "vip"],
    "globex-help": ["billing", "outage", "onboarding", "vip", "escalated"],
}

SUPPORT_SCRIPTS: list[list[tuple[str, str]]] = [
    [
        ("in", "Hi, my order {order} was supposed to arrive yesterday but tracking hasn't moved."),
        ("out", "Hi {first}, this is {agent} from Acme. Sorry about that! Let me check with the carrier."),
        ("out", "The carrier had a delay at the Oakland hub. It's out for delivery today before 8pm."),
        ("in", "Great, thanks for checking!"),
    ],
    [
        ("in", "The blender I got in order {order} arrived with a cracked jar."),
        ("out", "So sorry {first}! Could you send a photo of the damage?"),
        ("in", "Here you go"),
        ("out", "Thanks. I've shipped a replacement jar, no need to return the old one."),
        ("in", "Wow that was fast, appreciate it"),
    ],
    [
        ("in", "Can I still change the delivery address on {order}?"),
        ("out", "Hi {first}, yes as long as it hasn't shipped. What's the new address?"),
        ("in", "1420 Mission St Apt 5, San Francisco CA 94103"),
        ("out", "Updated! You'll get a new confirmation email shortly."),
    ],
    [
        ("in", "I returned my jacket two weeks ago and still no refund"),
        (
            "out",
            "Hi {first}, I see the return for {order} was received on the 3rd. Refunds take 5-7 business days.",
        ),
        ("in", "It's been 10 business days..."),
        (
            "out",
            "You're right, it got stuck. I've pushed the refund through manually, you should see it in 2-3 days.",
        ),
        ("in", "ok thank you"),
    ],
    [
        ("in", "Hi I need to reschedule my installation appointment on {day}"),
        ("out", "Hi {first}! Sure. We have {day} at {time} or Friday at 9am. Which works?"),
        ("in", "{time} works"),
        ("out", "You're booked for {day} at {time}. The technician will text when on the way."),
    ],
    [
        ("in", "Is the warranty on the coffee maker 1 or 2 years?"),
        (
            "out",
            "Hi {first}, it's 2 years from the delivery date. Your order {order} is covered until next spring.",
        ),
        ("in", "Perfect, thanks"),
    ],
    [
        ("in", "Why was I charged twice for {order}??"),
        ("out", "Hi {first}, I'm sorry! One of those is a pre-authorization that drops off in 3-5 days."),
        ("in", "Are you sure? It shows as posted"),
        ("out", "Let me escalate to billing to double check."),
        ("in", "Please do, that's $180"),
    ],
    [
        ("in", "Do you have the trail runners in size 10.5?"),
        ("out", "Hi {first}! Size 10.5 is back in stock in grey and navy."),
        ("in", "Navy please, can I order by text?"),
        ("out", "Here's a direct checkout link: https://acme.example/c/8KD2"),
        ("in", "Ordered!"),
    ],
    [
        ("in", "my package says delivered but it's not here"),
        (
            "out",
            "Hi {first}, sorry to hear that. Could you check with neighbours or your building's mail room?",
        ),
        ("in", "Checked, nothing"),
        ("out", "I've filed a claim with the carrier and sent a replacement for {order}."),
    ],
    [
        ("in", "Hi! Just confirming my appointment {day} at {time}?"),
        ("out", "Hi {first}, confirmed for {day} at {time}. See you then!"),
    ],
    [
        ("in", "I'd like to cancel my subscription please"),
        ("out", "Hi {first}, I can help with that. May I ask why you're cancelling?"),
        ("in", "Too many boxes piling up honestly"),
        ("out", "Understood! I could switch you to monthly instead of weekly if you'd like to keep it."),
        ("in", "Hmm let me think about it"),
    ],
    [
        ("in", "The app keeps logging me out when I try to check out"),
        ("out", "Hi {first}, thanks for letting us know. Which phone and app version are you on?"),
        ("in", "iPhone 13, version 4.2"),
        ("out", "We found the bug, a fix ships tomorrow. Meanwhile checkout on the website works."),
    ],
]

SALES_SCRIPTS: list[list[tuple[str, str]]] = [
    [
        (
            "in",
            "Hi, we're looking at your team plan for about 40 seats. Can someone walk us through pricing?",
        ),
        (
            "out",
            "Hi {first}, this is {agent} from Acme Sales. Happy to! Are you free {day} at {time} for a 20 minute call?",
        ),
        ("in", "Yes that works"),
        ("out", "Great, invite sent. Talk soon!"),
    ],
    [
        ("in", "Does the enterprise plan include SSO?"),
        ("out", "Hi {first}! Yes, SAML SSO and SCIM provisioning are both included."),
        ("in", "And is there an annual discount?"),
        ("out", "15% for annual billing. I can send a quote today."),
    ],
    [
        ("out", "Hi {first}, thanks for starting a trial! Anything I can help you set up?"),
        ("in", "Not yet, still exploring"),
        ("out", "No problem, I'll check back next week."),
    ],
    [
        ("in", "Can we extend our trial by a week? Our admin was out sick"),
        ("out", "Of course {first}, I've extended it to the end of next week."),
        ("in", "Thank you!"),
    ],
]

GLOBEX_SCRIPTS: list[list[tuple[str, str]]] = [
    [
        ("in", "Our dashboard has been down since 9am, is there an outage?"),
        (
            "out",
            "Hi {first}, yes we're investigating an incident affecting the EU region. Updates on status.globex.example",
        ),
        ("out", "The incident is resolved. Can you confirm it's working for you?"),
        ("in", "Yes it's back, thanks"),
    ],
    [
        ("in", "Invoice {order} has the wrong VAT number"),
        ("out", "Hi {first}, sorry about that. What's the correct VAT number?"),
        ("in", "DE 811 907 980"),
        ("out", "Thanks, a corrected invoice is on its way."),
    ],
    [
        ("in", "How do I add a new admin to our workspace?"),
        ("out", "Hi {first}! Settings > Team > Invite, then pick the Admin role."),
        ("in", "Found it, thanks"),
    ],
    [
        ("in", "We were billed for 25 seats but only use 18"),
        ("out", "Hi {first}, let me look into that with billing."),
        ("in", "ok"),
    ],
]

FOLLOW_UPS = [
    "Hi {first}, just checking in: did everything arrive OK?",
    "Reminder: your appointment is tomorrow at {time}. Reply C to confirm.",
    "Hi {first}, your refund has been processed. Anything else we can help with?",
    "Hi {first}, following up on our call. Let me know if you have questions about the quote.",
    "Your replacement for {order} ships today. Tracking to follow.",
    "Hi {first}, we'd love your feedback: how did we do? Reply 1-5.",
]

FAILED_DELIVERIES = [
    (30003, "Unreachable destination handset"),
    (30005, "Unknown destination handset"),
    (30006, "Landline or unreachable carrier"),
    (30007, "Message filtered by the carrier"),
]

MEDIA = [
    "https://media.acme.example/mms/damaged-jar.jpg",
    "https://media.acme.example/mms/package-porch.jpg",
    "https://media.acme.example/mms/receipt.png",
    "https://media.acme.example/mms/serial-number.jpg",
]

CUSTOM_EVENTS = [
    ("sale", "Ordered replacement parts", 49.99),
    ("sale", "Upgraded to the 2-year protection plan", 29.0),
    ("refund", "Refund issued for damaged item", -64.5),
    ("appointment_booked", "Installation visit booked", None),
    ("click", "Opened the checkout link", None),
    ("sale", "Annual plan, 40 seats", 14400.0),
]

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
TIMES = ["9:00am", "10:30am", "11:15am", "1:00pm", "2:30pm", "4:00pm"]
