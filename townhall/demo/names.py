"""Word lists for the demo borough's invented places and people.

Fixed lists rather than Faker: Faker's output changes between releases, and the demo
promises identical data for the same seed on any install.
"""

from __future__ import annotations

# fmt: off
PLACE_STARTS = (
    "Ash", "Barn", "Bram", "Brock", "Carl", "Cold", "Dal", "Elm", "Fen", "Fox", "Gar", "Grims", "Hart", "Hazel",
    "Hol", "Kel", "Kirk", "Lang", "Lin", "Mar", "Mel", "Nor", "Oak", "Ors", "Pen", "Red", "Rook", "Sal", "Stan",
    "Stock", "Thorn", "Ul", "Wes", "Whin", "Wold", "Yar",
)
PLACE_ENDS = (
    "by", "ton", "ley", "field", "ham", "wick", "thorpe", "moor", "dale", "bridge", "stead", "worth", "well",
    "cliffe", "burn", "gate", "holme", "side",
)
WARD_DIRECTIONS = (
    "North", "South", "East", "West", "Central",
)
STREET_WORDS = (
    "Abbey", "Acacia", "Albert", "Alder", "Almond", "Apple", "Ash", "Aspen", "Balmoral", "Bank", "Beech", "Belle Vue",
    "Birch", "Blackthorn", "Bluebell", "Bridge", "Brook", "Buttercup", "Castle", "Cedar", "Chapel", "Cherry",
    "Chestnut", "Church", "Clover", "College", "Coronation", "Cross", "Crown", "Daisy", "Dene", "East", "Elder",
    "Elm", "Fairfield", "Farm", "Fern", "Field", "Forge", "Foxglove", "Garden", "Glebe", "Grange", "Green", "Hall",
    "Harbour", "Hawthorn", "Hazel", "Heath", "High", "Highfield", "Hill", "Holly", "Honeysuckle", "Ivy", "Jubilee",
    "King's", "Laburnum", "Lakeside", "Larch", "Laurel", "Lavender", "Lime", "Linden", "Low", "Manor", "Maple",
    "Market", "Marsh", "Meadow", "Mill", "Moor", "Mount", "Nelson", "New", "North", "Oak", "Orchard", "Park",
    "Pasture", "Pine", "Poplar", "Primrose", "Priory", "Queen's", "Railway", "Rectory", "Riverside", "Rose", "Rowan",
    "St Aidan's", "St Cuthbert's", "St Hilda's", "St John's", "St Mary's", "School", "Shore", "Silver", "South",
    "Spring", "Station", "Sycamore", "Thistle", "Tower", "Union", "Vale", "Victoria", "Vicarage", "Water", "Well",
    "West", "Westfield", "Willow", "Windmill", "Woodland", "Yew",
)
STREET_TYPES = (
    "Road", "Street", "Avenue", "Lane", "Close", "Crescent", "Drive", "Grove", "Terrace", "Way", "Gardens", "Court",
    "Place", "View", "Walk", "Row",
)
HOUSE_NAMES = (
    "Rose Cottage", "The Old Forge", "Ivy House", "The Laurels", "Fern Lodge", "Orchard House", "The Willows",
    "Hill Top", "Beech House", "The Old School House", "Mill Cottage", "Holly Lodge",
)
GIVEN_NAMES = (
    "Aaliyah", "Adam", "Aisha", "Alfie", "Amelia", "Amir", "Anna", "Archie", "Ava", "Ben", "Bethany", "Callum",
    "Charlotte", "Chloe", "Connor", "Daniel", "David", "Declan", "Eleanor", "Eliza", "Ellie", "Emily", "Ethan",
    "Fatima", "Finley", "Freya", "George", "Grace", "Hannah", "Harry", "Hassan", "Holly", "Imran", "Isaac", "Isla",
    "Jack", "Jacob", "James", "Jessica", "Joanne", "Joseph", "Joshua", "Karen", "Katie", "Kyle", "Laura", "Leah",
    "Liam", "Lily", "Lucy", "Mark", "Mason", "Megan", "Mia", "Michael", "Mohammed", "Molly", "Nathan", "Niamh",
    "Noah", "Olivia", "Oscar", "Paul", "Poppy", "Priya", "Rachel", "Rhys", "Robert", "Rosie", "Ruby", "Ryan",
    "Samuel", "Sarah", "Sophie", "Stephen", "Susan", "Thomas", "Tyler", "William", "Yusuf", "Zara", "Zoe",
)
FAMILY_NAMES = (
    "Ahmed", "Ali", "Allen", "Anderson", "Armstrong", "Atkinson", "Bailey", "Baker", "Bell", "Bennett", "Brown",
    "Burns", "Campbell", "Carr", "Clark", "Collins", "Cook", "Cooper", "Davies", "Dixon", "Edwards", "Elliott",
    "Evans", "Fletcher", "Foster", "Graham", "Gray", "Green", "Hall", "Harris", "Harrison", "Hill", "Hughes",
    "Hussain", "Jackson", "James", "Johnson", "Jones", "Kaur", "Kelly", "Khan", "King", "Lee", "Lewis", "Marshall",
    "Martin", "Mason", "Miller", "Mitchell", "Moore", "Morgan", "Morris", "Murphy", "Murray", "Nicholson", "O'Brien",
    "Parker", "Patel", "Phillips", "Potts", "Price", "Reed", "Richardson", "Roberts", "Robinson", "Robson", "Rogers",
    "Scott", "Shaw", "Simpson", "Singh", "Smith", "Stephenson", "Stewart", "Taylor", "Thompson", "Turner", "Walker",
    "Ward", "Watson", "White", "Wilkinson", "Williams", "Wilson", "Wood", "Wright", "Young",
)
# fmt: on
